/** What the subscription pages share when handling a posted form. */
import type { AstroGlobal } from "astro";
import { runFormAction } from "@/accounts";
import { validateForm, type FieldErrors } from "@/lib/forms";
import { PREFERENCE_ARRAY_FIELDS, PreferencesSchema } from "./schemas";
import { updatePreferences } from "./subscriptions";

/** The boxes ticked in a posted form, to show them again when it is refused. */
export interface SelectedInterests {
  kinds: string[];
  categories: string[];
  aggregators: string[];
  regions: string[];
  frequency: string;
}

export function selectedInterests(form: FormData): SelectedInterests {
  const all = (name: string) => form.getAll(name).map(String);
  return {
    kinds: all("kinds"),
    categories: all("categories"),
    aggregators: all("aggregators"),
    regions: all("regions"),
    frequency: String(form.get("frequency") ?? "immediate"),
  };
}

export interface PreferencesPost {
  saved: boolean;
  errors: FieldErrors;
  /** Set when refused: the choices as posted. */
  selected?: SelectedInterests;
}

/** Validates and saves the preference centre form (signed link or account), setting 422/429 on refusal. */
export async function submitPreferences(astro: Pick<AstroGlobal, "response">, subscriberId: number, form: FormData): Promise<PreferencesPost> {
  const result = validateForm(PreferencesSchema, form, PREFERENCE_ARRAY_FIELDS);
  if (!result.ok) {
    astro.response.status = 422;
    return { saved: false, errors: result.errors, selected: selectedInterests(form) };
  }
  const refused = await runFormAction(astro, () => updatePreferences(subscriberId, result.data));
  return refused ? { saved: false, errors: refused, selected: selectedInterests(form) } : { saved: true, errors: {} };
}

/** What the subscription pages add to the form idiom (handleForm in src/lib/forms.ts). */
import type { FieldErrors, FormSpec, FormState } from "@/lib/forms";
import { PREFERENCE_ARRAY_FIELDS, PreferencesSchema } from "./schemas";
import { updatePreferences } from "./preferences";

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

/**
 * The preference centre form (signed link or account): saves interests,
 * removals and the search or convention offered by the link (`ricerca`,
 * `convenzione`), then goes to `done` (which shows «Preferenze salvate»).
 */
export function preferencesForm(subscriberId: number, done: string): FormSpec<typeof PreferencesSchema, void> {
  return {
    schema: PreferencesSchema,
    arrayFields: PREFERENCE_ARRAY_FIELDS,
    action: ({ convenzione, lotto, ...update }) => updatePreferences(subscriberId, { ...update, conventionId: convenzione, lotNumber: convenzione === undefined ? undefined : lotto }),
    done: () => done,
  };
}

/** What the preference form shows: the refused post again, or «saved» on the result page. */
export function preferencesState(form: FormState | undefined, url: URL): { saved: boolean; errors: FieldErrors; selected?: SelectedInterests } {
  if (form?.posted) return { saved: false, errors: form.errors, selected: selectedInterests(form.form) };
  return { saved: url.searchParams.get("esito") === "salvate", errors: {} };
}

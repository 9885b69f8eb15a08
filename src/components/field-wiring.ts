/** The ids and ARIA wiring every labelled field shares (<Field>, <SelectField> and their <FieldFrame>). */
import type { FieldErrors } from "@/lib/forms";

export interface FieldWiring {
  /** The control's id, `campo-<name>`: the error summary links to it. */
  id: string;
  hintId: string;
  errorId: string;
  error: string | undefined;
  /** Attributes of the control itself. */
  aria: { "aria-invalid": "true" | undefined; "aria-describedby": string | undefined };
}

export function fieldWiring(name: string, hint: string | undefined, errors: FieldErrors = {}): FieldWiring {
  const id = `campo-${name}`;
  const error = errors[name];
  const describedBy = [hint ? `${id}-aiuto` : "", error ? `${id}-errore` : ""].filter(Boolean).join(" ") || undefined;
  return { id, hintId: `${id}-aiuto`, errorId: `${id}-errore`, error, aria: { "aria-invalid": error ? "true" : undefined, "aria-describedby": describedBy } };
}

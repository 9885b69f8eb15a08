/**
 * Form contracts for the account pages: one zod schema per form, with the
 * Italian messages people read. The same rules apply to the admin CLI.
 */
import { z } from "zod";
import { emailRule } from "@/lib/field-rules";
import { ROLES } from "@db/schema";
import { PASSWORD_MAX_LENGTH } from "./password";

const text = (label: string, max: number) =>
  z
    .string({ message: `${label}: campo obbligatorio.` })
    .trim()
    .min(1, `Scrivi ${label.toLowerCase()}.`)
    .max(max, `${label}: massimo ${max} caratteri.`);

export const emailField = emailRule(
  { missing: "Scrivi il tuo indirizzo email.", invalid: "Scrivi un indirizzo email valido, ad esempio nome.cognome@comune.it." },
  { lowerCase: true },
);

/** Length only: the strength rules need the name and email and run in the domain. */
const passwordField = z
  .string({ message: "Scrivi la password." })
  .min(1, "Scrivi la password.")
  .max(PASSWORD_MAX_LENGTH, `La password può contenere al massimo ${PASSWORD_MAX_LENGTH} caratteri.`);

/** Codice IPA of an administration: letters, digits and underscores (e.g. "c_f205"). */
export const ipaCodeField = z
  .string()
  .trim()
  .toLowerCase()
  .max(20, "Il codice IPA contiene al massimo 20 caratteri.")
  .refine((v) => v === "" || /^[a-z0-9][a-z0-9_]{1,19}$/.test(v), {
    message: "Il codice IPA contiene solo lettere, cifre e trattini bassi, ad esempio c_f205.",
  })
  .transform((v) => (v === "" ? null : v));

export const ProfileSchema = z.object({
  name: text("Nome e cognome", 120),
  organisation: text("Amministrazione o organizzazione", 200),
  ipaCode: ipaCodeField.optional().default(""),
});

export const RegistrationSchema = ProfileSchema.extend({
  email: emailField,
  password: passwordField,
  passwordConfirm: z.string().default(""),
}).refine((v) => v.password === v.passwordConfirm, { path: ["passwordConfirm"], message: "Le due password non coincidono." });
export type RegistrationInput = z.infer<typeof RegistrationSchema>;

export const LoginSchema = z.object({ email: emailField, password: passwordField });

export const ResetRequestSchema = z.object({ email: emailField });

export const ResetSchema = z
  .object({ token: z.string().max(200).default(""), password: passwordField, passwordConfirm: z.string().default("") })
  .refine((v) => v.password === v.passwordConfirm, { path: ["passwordConfirm"], message: "Le due password non coincidono." });

export const PasswordChangeSchema = z
  .object({ currentPassword: passwordField, password: passwordField, passwordConfirm: z.string().default("") })
  .refine((v) => v.password === v.passwordConfirm, { path: ["passwordConfirm"], message: "Le due password non coincidono." });

export const DeleteAccountSchema = z.object({ currentPassword: passwordField });
/** For an account made with SPID/CIE, which has no password: the word ELIMINA typed to confirm. */
export const DeletePasswordlessAccountSchema = z.object({
  conferma: z.string().trim().refine((value) => value === "ELIMINA", { message: "Per confermare scrivi ELIMINA, in lettere maiuscole." }),
});

export const RoleSchema = z.enum(ROLES, { message: "Ruolo non valido: scegli tra learner, editor e admin." });

export const UserAdminSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("ruolo"), userId: z.string().min(1).max(64), role: RoleSchema }),
  z.object({ action: z.literal("disattiva"), userId: z.string().min(1).max(64) }),
  z.object({ action: z.literal("riattiva"), userId: z.string().min(1).max(64) }),
], { message: "Azione non valida." });

/** `?dopo=` may only name a path on this site: anything else falls back to the account page. */
export function safeRedirect(target: string | null | undefined, fallback = "/account"): string {
  if (!target || target.length > 500) return fallback;
  if (!target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\") || /[\u0000-\u001f\\]/.test(target)) return fallback;
  try {
    const url = new URL(target, "http://aggrega.invalid");
    if (url.host !== "aggrega.invalid") return fallback;
    // Judge what the browser will get after normalisation: "/.//evil.example" becomes "//evil.example".
    const normalised = url.pathname + url.search + url.hash;
    return /^\/(?![/\\])/.test(normalised) ? normalised : fallback;
  } catch {
    return fallback;
  }
}

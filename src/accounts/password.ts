/**
 * Password hashing (argon2id) and the strength rules shown on every form
 * that sets a password (registration, reset, change, the admin CLI).
 */
import { hash, verify } from "@node-rs/argon2";

/** OWASP's minimum argon2id profile: 19 MiB, 2 passes, 1 lane. */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Passwords people pick first; refused whatever their length. */
const COMMON_PASSWORDS = new Set([
  "123456789012",
  "1234567890123",
  "password1234",
  "password12345",
  "passwordpassword",
  "qwertyuiopas",
  "qwerty123456",
  "iloveyou1234",
  "administrator",
  "amministratore",
  "ciaociaociao",
  "passwordsicura",
  "cambiami1234",
  "benvenuto123",
  "benvenuto1234",
  "aggrega12345",
  "aggregaaggrega",
  "0000000000000",
  "111111111111",
  "abcdefghijkl",
  "abc123abc123",
]);

/** Hashes a password with argon2id (the library's default algorithm). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password or a malformed stored hash, never an exception. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a throw-away hash, so an unknown email takes as long as a
 * known one and the response time does not tell them apart.
 */
export async function spendPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("aggrega-dummy-password-for-timing");
  await verifyPassword(await dummyHash, password);
}

/**
 * Returns an Italian message saying what is wrong with the password, or null
 * when it is acceptable. `personal` holds the email and name, which a
 * password must not contain.
 */
export function passwordProblem(password: string, personal: { email?: string; name?: string } = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `La password deve contenere almeno ${PASSWORD_MIN_LENGTH} caratteri (ne hai scritti ${password.length}).`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `La password può contenere al massimo ${PASSWORD_MAX_LENGTH} caratteri.`;
  }
  const lower = password.toLowerCase();
  if (new Set(lower).size < 5) {
    return "La password ripete troppo pochi caratteri diversi: usa almeno 5 caratteri distinti.";
  }
  if (COMMON_PASSWORDS.has(lower) || /^(.{1,6})\1+$/.test(lower)) {
    return "La password è troppo comune o prevedibile: scegline una meno facile da indovinare, ad esempio una frase di più parole.";
  }
  const emailName = personal.email?.split("@")[0]?.toLowerCase() ?? "";
  if (emailName.length >= 4 && lower.includes(emailName)) {
    return "La password non deve contenere il tuo indirizzo email.";
  }
  const nameParts = (personal.name ?? "").toLowerCase().split(/\s+/).filter((part) => part.length >= 4);
  if (nameParts.some((part) => lower.includes(part))) {
    return "La password non deve contenere il tuo nome o cognome.";
  }
  return null;
}

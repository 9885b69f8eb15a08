import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { accountTokens, auditLog, sessions, users } from "@db/schema";
import {
  AccountError,
  authenticate,
  changeRole,
  createUser,
  exportUserData,
  isResetTokenValid,
  RATE_RULES,
  RateLimitedError,
  registerUser,
  requestPasswordReset,
  resetPassword,
  setUserActive,
  verifyEmail,
  type SessionUser,
} from "@/accounts";
import { hitRateLimit, recipientKey } from "@/accounts/rate-limit";
import { issueToken } from "@/accounts/tokens";
import { overrideConfig } from "@/config";
import { closeMailer } from "@/mail";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { TEST_PASSWORD } from "../helpers/auth";
import { mailQueueSettled, queuedFor } from "../helpers/mail";

let db: TestDatabase;
let outboxDir: string;

async function outbox(): Promise<ParsedMail[]> {
  const names = (await readdir(outboxDir).catch(() => [] as string[])).filter((n) => n.endsWith(".eml")).sort();
  return Promise.all(names.map(async (n) => simpleParser(await readFile(path.join(outboxDir, n)))));
}

/** Transactional mail is queued and lands in the outbox a moment after the call returns. */
function waitForMail(count: number): Promise<ParsedMail[]> {
  return vi.waitFor(
    async () => {
      const mails = await outbox();
      if (mails.length < count) throw new Error(`expected ${count} messages in the outbox, got ${mails.length}`);
      return mails;
    },
    { timeout: 5_000, interval: 50 },
  );
}

function tokenIn(mail: ParsedMail): string {
  const match = /token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? "");
  if (!match) throw new Error(`no token in: ${mail.text}`);
  return match[1]!;
}

const client = { ip: "192.0.2.10" };
let n = 0;
const uniqueEmail = () => `persona${++n}-${Date.now()}@comune.example.it`;

beforeAll(async () => {
  outboxDir = await mkdtemp(path.join(os.tmpdir(), "aggrega-accounts-outbox-"));
  overrideConfig({ MAIL_OUTBOX_DIR: outboxDir, SITE_URL: "https://aggrega.example.it" });
  await closeMailer();
  db = await createTestDatabase();
});
afterAll(async () => {
  await closeMailer();
  await db?.cleanup();
  await rm(outboxDir, { recursive: true, force: true });
});
beforeEach(async () => {
  // Messages queued by the previous test land before the folder is emptied.
  await mailQueueSettled(db.db);
  await rm(outboxDir, { recursive: true, force: true });
});

describe("password storage", () => {
  it("stores argon2id hashes, never the password", async () => {
    const email = uniqueEmail();
    const { id } = await createUser({ email, name: "Hash Prova", role: "learner", password: TEST_PASSWORD });
    const [row] = await db.db.select().from(users).where(eq(users.id, id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row!.passwordHash).not.toContain(TEST_PASSWORD);
    await expect(createUser({ email: "x@example.it", name: "Debole", role: "admin", password: "debole" })).rejects.toThrow(AccountError);
    await expect(createUser({ email, name: "Doppione", role: "learner", password: TEST_PASSWORD })).rejects.toThrow(/Esiste già/);
  });
});

describe("registration and email verification", () => {
  it("emails a single-use link whose token is stored only as a hash", async () => {
    const email = uniqueEmail();
    await registerUser({ name: "Anna Neri", email, organisation: "Comune di Prova", ipaCode: "c_f205", password: TEST_PASSWORD, passwordConfirm: TEST_PASSWORD }, client);
    const [mail] = await waitForMail(1);
    expect(mail!.to && "text" in mail!.to ? mail!.to.text : "").toBe(email);
    expect(mail!.subject).toContain("Conferma");
    expect(mail!.html).toContain("https://aggrega.example.it/account/verifica?token=");
    const token = tokenIn(mail!);
    const [user] = await db.db.select().from(users).where(eq(users.email, email));
    expect(user!.emailVerifiedAt).toBeNull();
    expect(user!.ipaCode).toBe("c_f205");
    const stored = await db.db.select().from(accountTokens).where(eq(accountTokens.userId, user!.id));
    expect(stored.map((t) => t.tokenHash)).toEqual([createHash("sha256").update(token).digest("hex")]);

    expect(await authenticate({ email, password: TEST_PASSWORD }, client)).toEqual({ ok: false, reason: "unverified" });
    const fresh = tokenIn((await waitForMail(2)).at(-1)!);
    expect(fresh).not.toBe(token);
    // Signing in before verifying sends a new link and the first one still works.
    expect(await verifyEmail(token)).toBe(true);
    expect(await verifyEmail(token)).toBe(false);
    expect(await authenticate({ email, password: TEST_PASSWORD }, client)).toEqual({ ok: true, userId: user!.id });
  });

  it("answers a second registration of an address the same way, and tells the owner instead", async () => {
    const email = uniqueEmail();
    await createUser({ email, name: "Già Registrata", role: "learner", password: TEST_PASSWORD });
    await expect(
      registerUser({ name: "Intruso", email, organisation: "Altro", ipaCode: null, password: "Un-Altra-Frase-Lunga-9", passwordConfirm: "Un-Altra-Frase-Lunga-9" }, client),
    ).resolves.toBeUndefined();
    const [mail] = await waitForMail(1);
    expect(mail!.subject).toContain("Hai già un account");
    const rows = await db.db.select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe("Già Registrata");
  });

  it("refuses a weak password with the reason", async () => {
    await expect(
      registerUser({ name: "Luca Bianchi", email: uniqueEmail(), organisation: "Ente", ipaCode: null, password: "bianchi-luca-1", passwordConfirm: "bianchi-luca-1" }, client),
    ).rejects.toThrow(/nome o cognome/);
  });
});

describe("sign-in without user enumeration", () => {
  it("gives the same answer for an unknown address, a wrong password and a deactivated account", async () => {
    const email = uniqueEmail();
    const { id } = await createUser({ email, name: "Sara Blu", role: "learner", password: TEST_PASSWORD });
    const unknown = await authenticate({ email: uniqueEmail(), password: TEST_PASSWORD }, client);
    const wrong = await authenticate({ email, password: "Non-E-La-Password-1" }, client);
    const adminId = (await createUser({ email: uniqueEmail(), name: "Admin Prova", role: "admin", password: TEST_PASSWORD })).id;
    const admin: SessionUser = { id: adminId, email: "", name: "Admin Prova", organisation: "", role: "admin", emailVerified: true };
    await setUserActive(admin, id, false);
    const deactivated = await authenticate({ email, password: TEST_PASSWORD }, client);
    expect(unknown).toEqual({ ok: false, reason: "invalid" });
    expect(wrong).toEqual(unknown);
    expect(deactivated).toEqual(unknown);
    await setUserActive(admin, id, true);
    expect((await authenticate({ email, password: TEST_PASSWORD }, client)).ok).toBe(true);
  });
});

describe("rate limits", () => {
  it("slows one source on one account without locking the owner out from elsewhere", async () => {
    const email = uniqueEmail();
    await createUser({ email, name: "Bersaglio", role: "admin", password: TEST_PASSWORD });
    const attacker = "198.51.100.66";
    const tries = async (ip: string) => {
      let refused = 0;
      for (let i = 0; i < RATE_RULES.loginAccountSource.limit + 4; i++) {
        await authenticate({ email, password: "Sbagliata-Ancora-Una-Volta" }, { ip }).catch((error) => {
          if (!(error instanceof RateLimitedError)) throw error;
          refused++;
        });
      }
      return refused;
    };
    expect(await tries(attacker)).toBeGreaterThan(0);
    await expect(authenticate({ email, password: TEST_PASSWORD }, { ip: attacker })).rejects.toThrow(/Troppi tentativi/);
    // Wrong passwords from many addresses, one by one, stay under the ceiling: the owner still signs in.
    for (let i = 0; i < 40; i++) await authenticate({ email, password: "Sbagliata-Ancora-Una-Volta" }, { ip: `198.51.100.${i}` });
    expect((await authenticate({ email, password: TEST_PASSWORD }, { ip: "192.0.2.200" })).ok).toBe(true);
  });

  it("has a per-account ceiling far above the per-source limit", async () => {
    const email = uniqueEmail();
    await createUser({ email, name: "Tetto", role: "learner", password: TEST_PASSWORD });
    expect(RATE_RULES.loginAccountCeiling.limit).toBeGreaterThanOrEqual(10 * RATE_RULES.loginAccountSource.limit);
    for (let i = 0; i < RATE_RULES.loginAccountCeiling.limit; i++) await hitRateLimit(RATE_RULES.loginAccountCeiling, email);
    await expect(authenticate({ email, password: TEST_PASSWORD }, { ip: "192.0.2.201" })).rejects.toThrow(RateLimitedError);
  });

  it("stops one address trying many accounts", async () => {
    const ip = "203.0.113.7";
    for (let i = 0; i < RATE_RULES.loginIp.limit; i++) {
      await authenticate({ email: `sconosciuto${i}@example.it`, password: "Qualsiasi-Password-1" }, { ip });
    }
    await expect(authenticate({ email: "ancora@example.it", password: "Qualsiasi-Password-1" }, { ip })).rejects.toThrow(RateLimitedError);
  });

  it("limits reset requests per account and source, not for the owner elsewhere, and caps the mails", async () => {
    const email = uniqueEmail();
    await createUser({ email, name: "Reset Bersaglio", role: "learner", password: TEST_PASSWORD });
    const ip = "203.0.113.8";
    for (let i = 0; i < RATE_RULES.resetAccountSource.limit; i++) await requestPasswordReset(email, { ip });
    await expect(requestPasswordReset(email, { ip })).rejects.toThrow(RateLimitedError);
    await expect(requestPasswordReset(email, { ip: "203.0.113.9" })).resolves.toBeUndefined();
    // Many sources: the mailbox still gets at most the daily cap of reset mails.
    for (let i = 10; i < 30; i++) await requestPasswordReset(email.toUpperCase(), { ip: `203.0.113.${i}` });
    // Reset mail leaves in the background: once nothing queued is due, every mail the requests queued is in the outbox.
    await mailQueueSettled(db.db);
    const toTarget = (await outbox()).filter((m) => m.to && "text" in m.to && m.to.text === email);
    expect(toTarget.length).toBe(RATE_RULES.resetMailRecipient.limit);
  });

  it("caps verification mails per mailbox when an unverified account keeps signing in", async () => {
    const email = uniqueEmail();
    await createUser({ email, name: "Non Verificata", role: "learner", password: TEST_PASSWORD, verified: false });
    for (let i = 0; i < 12; i++) expect(await authenticate({ email, password: TEST_PASSWORD }, { ip: `192.0.2.${100 + i}` })).toEqual({ ok: false, reason: "unverified" });
    // Verification mail leaves in the background: count once nothing queued is due.
    await mailQueueSettled(db.db);
    expect((await outbox()).length).toBe(RATE_RULES.verifyMailRecipient.limit);
  });

  it("limits registrations per address", async () => {
    const ip = "203.0.113.80";
    for (let i = 0; i < RATE_RULES.registerIp.limit; i++) await hitRateLimit(RATE_RULES.registerIp, ip);
    await expect(
      registerUser({ name: "Troppi Tentativi", email: uniqueEmail(), organisation: "Ente", ipaCode: null, password: TEST_PASSWORD, passwordConfirm: TEST_PASSWORD }, { ip }),
    ).rejects.toThrow(RateLimitedError);
  });

  it("normalises mailboxes for per-recipient caps", () => {
    expect(recipientKey("Mario.Rossi+iscrizione@GMail.com")).toBe("mariorossi@gmail.com");
    expect(recipientKey("m.a.r.i.o.rossi@googlemail.com")).toBe("mariorossi@gmail.com");
    expect(recipientKey("anna.bianchi+x@comune.example.it")).toBe("anna.bianchi@comune.example.it");
    expect(recipientKey("ANNA.BIANCHI@Comune.Example.IT")).toBe("anna.bianchi@comune.example.it");
  });

  it("counts concurrent attempts exactly (one atomic upsert per hit)", async () => {
    const rule = { name: "concorrenza", limit: 10, windowMs: 60_000 };
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => hitRateLimit(rule, "stesso-client")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
  });

  it("opens a new window when the old one ends", async () => {
    const rule = { name: "finestra", limit: 1, windowMs: 60_000 };
    const start = Math.floor(Date.now() / 60_000) * 60_000;
    await hitRateLimit(rule, "k", start + 1);
    await expect(hitRateLimit(rule, "k", start + 2)).rejects.toThrow(RateLimitedError);
    await expect(hitRateLimit(rule, "k", start + 60_001)).resolves.toBeUndefined();
  });
});

describe("password reset", () => {
  it("emails a link only for known addresses, but never says which", async () => {
    const stranger = uniqueEmail();
    await expect(requestPasswordReset(stranger, { ip: "192.0.2.50" })).resolves.toBeUndefined();
    // Every message is queued before the call returns: nothing queued means nothing will be sent.
    expect(await queuedFor(db.db, stranger)).toHaveLength(0);
    const email = uniqueEmail();
    await createUser({ email, name: "Carla Reset", role: "learner", password: TEST_PASSWORD });
    await requestPasswordReset(email, { ip: "192.0.2.51" });
    const [mail] = await waitForMail(1);
    expect(mail!.text).toContain("https://aggrega.example.it/reimposta-password?token=");
  });

  it("resets once per link, ends every session and keeps a link usable after a weak attempt", async () => {
    const email = uniqueEmail();
    const { id } = await createUser({ email, name: "Dario Reset", role: "learner", password: TEST_PASSWORD });
    await db.db.insert(sessions).values({ id: `sessione-${id}`, userId: id, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    await requestPasswordReset(email, { ip: "192.0.2.52" });
    const token = tokenIn((await waitForMail(1))[0]!);
    expect(await isResetTokenValid(token)).toBe(true);
    await expect(resetPassword(token, "corta")).rejects.toThrow(/almeno 12/);
    const next = "Nuova-Frase-Segreta-Lunga-8";
    await resetPassword(token, next);
    await expect(resetPassword(token, "Ancora-Un-Altra-Frase-9")).rejects.toThrow(/non è valido/);
    expect(await isResetTokenValid(token)).toBe(false);
    expect(await db.db.select().from(sessions).where(eq(sessions.userId, id))).toHaveLength(0);
    expect((await authenticate({ email, password: TEST_PASSWORD }, { ip: "192.0.2.53" })).ok).toBe(false);
    expect((await authenticate({ email, password: next }, { ip: "192.0.2.53" })).ok).toBe(true);
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail();
    const { id } = await createUser({ email, name: "Elio Scaduto", role: "learner", password: TEST_PASSWORD });
    const twoHoursAgo = Date.now() - 2 * 60 * 60 * 1000;
    const token = await issueToken(db.db, id, "reset_password", twoHoursAgo);
    expect(await isResetTokenValid(token)).toBe(false);
    await expect(resetPassword(token, "Nuova-Frase-Segreta-Lunga-8")).rejects.toThrow(/scaduto/);
    const fresh = await issueToken(db.db, id, "reset_password", Date.now() - 50 * 60 * 1000);
    await expect(resetPassword(fresh, "Nuova-Frase-Segreta-Lunga-8")).resolves.toBeUndefined();
  });

  it("ignores malformed tokens without touching the database", async () => {
    for (const token of ["", "x", "../../etc/passwd", "a".repeat(500), "' OR 1=1 --"]) {
      expect(await isResetTokenValid(token)).toBe(false);
      expect(await verifyEmail(token)).toBe(false);
    }
  });
});

describe("roles and user administration", () => {
  it("changes roles and (de)activates with an audit entry, but not on oneself", async () => {
    const admin = await createUser({ email: uniqueEmail(), name: "Adele Admin", role: "admin", password: TEST_PASSWORD });
    const me: SessionUser = { id: admin.id, email: "", name: "Adele Admin", organisation: "", role: "admin", emailVerified: true };
    const target = await createUser({ email: uniqueEmail(), name: "Piero Promosso", role: "learner", password: TEST_PASSWORD });
    await changeRole(me, target.id, "editor");
    const [row] = await db.db.select().from(users).where(eq(users.id, target.id));
    expect(row!.role).toBe("editor");
    const entries = await db.db.select().from(auditLog).where(eq(auditLog.entityId, target.id));
    expect(entries.map((e) => [e.action, e.actorLabel])).toEqual([["user.role_changed", "Adele Admin (admin)"]]);
    await expect(changeRole(me, admin.id, "learner")).rejects.toThrow(AccountError);
    await expect(setUserActive(me, admin.id, false)).rejects.toThrow(AccountError);
  });
});

describe("personal data export", () => {
  it("includes the account and omits secrets", async () => {
    const email = uniqueEmail();
    const { id } = await createUser({ email, name: "Franca Dati", role: "learner", password: TEST_PASSWORD });
    const data = await exportUserData(id);
    expect(data.account).toMatchObject({ email, name: "Franca Dati", role: "learner" });
    expect(Object.keys(data.learning)).toEqual(["enrolments", "lessonCompletions", "quizAttempts", "certificates"]);
    const text = JSON.stringify(data);
    expect(text).not.toContain("argon2");
    expect(text).not.toContain("passwordHash");
  });
});

describe("npm run user:create", () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/user-create.ts", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });

  it("creates a verified admin, refuses weak passwords and bad flags with a clear message", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-cli-"));
    const env = { DATABASE_URL: `file:${path.join(dir, "cli.db")}` };
    try {
      const ok = run(["--email", "Capo@Example.it", "--name", "Capo Ufficio", "--role", "admin", "--password", TEST_PASSWORD], env);
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain("creato l'account capo@example.it con ruolo admin");
      const weak = run(["--email", "b@example.it", "--name", "B", "--password", "12345"], env);
      expect(weak.status).toBe(1);
      expect(weak.stderr).toContain("almeno 12 caratteri");
      const badFlag = run(["--email", "b@example.it", "--ruolo", "admin"], env);
      expect(badFlag.status).toBe(2);
      expect(badFlag.stderr).toContain("Uso: npm run user:create");
      const badRole = run(["--email", "b@example.it", "--name", "B", "--role", "capo", "--password", TEST_PASSWORD], env);
      expect(badRole.status).toBe(2);
      expect(badRole.stderr).toContain("Ruolo non valido");
      const noTty = run(["--email", "c@example.it", "--name", "C"], env);
      expect(noTty.status).toBe(2);
      expect(noTty.stderr).toContain("--password");
      for (const result of [ok, weak, badFlag, badRole, noTty]) expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

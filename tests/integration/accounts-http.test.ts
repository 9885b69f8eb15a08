/**
 * Account flows over HTTP on the real built server: cookies, verification
 * and reset links from the mail, identical answers whatever the address,
 * rate limits, sign-out everywhere, deactivation and account deletion.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { certificates, courseVersions, users } from "@db/schema";
import type { Connection } from "@/lib/db";
import { createUserWithRole, sessionCookieFrom, signInOverHttp, TEST_PASSWORD } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

function tokenIn(mail: ParsedMail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]{43})`).exec(mail.text ?? "");
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}

/** The page's text without markup, so answers can be compared. */
function visibleText(html: string): string {
  const main = html.slice(html.indexOf("<main"), html.indexOf("</main>"));
  return main.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

describe("account flows over HTTP", () => {
  let site: RunningSite;
  let conn: Connection;

  beforeAll(async () => {
    site = await startSite();
    conn = await useSiteDatabase(site);
  });
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  const get = (path: string, cookie?: string) => fetch(new URL(path, site.baseUrl), { redirect: "manual", headers: cookie ? { cookie } : {} });

  /** A successful post answers 303 (Post/Redirect/Get): the result page it points to. */
  async function resultOf(response: Response, cookie?: string): Promise<Response> {
    expect(response.status).toBe(303);
    return get(response.headers.get("location")!, cookie);
  }

  function mailsTo(address: string, count: number): Promise<ParsedMail[]> {
    return vi.waitFor(
      async () => {
        const mails = (await site.outbox()).filter((m) => m.to && "text" in m.to && m.to.text === address);
        if (mails.length < count) throw new Error(`expected ${count} messages to ${address}, got ${mails.length}`);
        return mails;
      },
      { timeout: 5_000, interval: 50 },
    );
  }

  it("registers, verifies by the emailed link and signs in with a safe cookie", async () => {
    const email = `nuova-${randomUUID().slice(0, 8)}@comune.example.it`;
    const form = { name: "Giorgia Nuova", email, organisation: "Comune di Prova", ipaCode: "c_a944", password: TEST_PASSWORD, passwordConfirm: TEST_PASSWORD };
    const registered = await postForm(site.baseUrl, "/registrati", form);
    expect(registered.headers.get("location")).toBe("/registrati?esito=inviata");
    const result = await resultOf(registered);
    expect(result.status).toBe(200);
    expect(await result.text()).toContain("Controlla la tua email");
    const [mail] = await mailsTo(email, 1);
    expect(mail!.html).toContain(`${site.baseUrl}/account/verifica?token=`);
    const token = tokenIn(mail!, "/account/verifica");
    // Opening the link (as a mail scanner does) only shows the button: the account stays unverified.
    const opened = await get(`/account/verifica?token=${token}`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get("cache-control")).toMatch(/no-store/);
    const page = await opened.text();
    expect(page).toContain("Conferma l'indirizzo");
    expect(page).not.toContain("Indirizzo confermato");
    expect((await get(`/account/verifica?token=${token}`)).status).toBe(200);
    // Signing in before verifying sends a second link and keeps the first one valid.
    const early = await postForm(site.baseUrl, "/accedi", { email, password: TEST_PASSWORD });
    expect(early.status).toBe(403);
    await mailsTo(email, 2);
    const verified = await postForm(site.baseUrl, "/account/verifica", { token });
    expect(verified.status).toBe(200);
    expect(await verified.text()).toContain("Indirizzo confermato");
    expect((await postForm(site.baseUrl, "/account/verifica", { token })).status).toBe(400);
    expect((await get(`/account/verifica?token=${token}`)).status).toBe(400);

    const signedIn = await postForm(site.baseUrl, "/accedi?dopo=%2Fformazione", { email, password: TEST_PASSWORD });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/formazione");
    const setCookie = signedIn.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = sessionCookieFrom(signedIn)!;
    const account = await get("/account", cookie);
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(email);
  });

  it("refuses an off-site redirect after sign-in", async () => {
    const user = await createUserWithRole("learner");
    const response = await postForm(site.baseUrl, "/accedi?dopo=https%3A%2F%2Fsito-ostile.example%2F", { email: user.email, password: TEST_PASSWORD });
    expect(response.headers.get("location")).toBe("/account");
    // Dot segments that normalise to a protocol-relative address.
    for (const target of ["/.//evil.example", "/./\\evil.example", "/a/..//evil.example", "/%2e//evil.example"]) {
      const tricked = await postForm(site.baseUrl, `/accedi?dopo=${encodeURIComponent(target)}`, { email: user.email, password: TEST_PASSWORD });
      expect(tricked.status, target).toBe(303);
      expect(tricked.headers.get("location"), target).toBe("/account");
    }
  });

  it("answers the same for known and unknown addresses", async () => {
    const user = await createUserWithRole("learner");
    const unknown = `nessuno-${randomUUID().slice(0, 8)}@example.it`;
    const [a, b] = await Promise.all([
      postForm(site.baseUrl, "/password-dimenticata", { email: user.email }),
      postForm(site.baseUrl, "/password-dimenticata", { email: unknown }),
    ]);
    expect(a.status).toBe(b.status);
    expect(a.headers.get("location")).toBe(b.headers.get("location"));
    expect(visibleText(await (await resultOf(a)).text())).toBe(visibleText(await (await resultOf(b)).text()));

    const wrong = await postForm(site.baseUrl, "/accedi", { email: user.email, password: "Password-Sbagliata-99" });
    const nobody = await postForm(site.baseUrl, "/accedi", { email: unknown, password: "Password-Sbagliata-99" });
    expect(wrong.status).toBe(401);
    expect(nobody.status).toBe(401);
    expect(visibleText(await wrong.text()).replace(user.email, "X")).toBe(visibleText(await nobody.text()).replace(unknown, "X"));

    const again = { name: "Altro Nome", organisation: "Altro Ente", ipaCode: "", password: "Altra-Frase-Abbastanza-Lunga", passwordConfirm: "Altra-Frase-Abbastanza-Lunga" };
    const existing = await postForm(site.baseUrl, "/registrati", { ...again, email: user.email });
    const fresh = await postForm(site.baseUrl, "/registrati", { ...again, email: unknown });
    expect(existing.status).toBe(fresh.status);
    expect(existing.headers.get("location")).toBe(fresh.headers.get("location"));
    expect(visibleText(await (await resultOf(existing)).text())).toBe(visibleText(await (await resultOf(fresh)).text()));
  });

  it("resets the password through the emailed link, once", async () => {
    const user = await createUserWithRole("learner");
    const oldSession = await signInOverHttp(site.baseUrl, user.email);
    await postForm(site.baseUrl, "/password-dimenticata", { email: user.email });
    const [mail] = await mailsTo(user.email, 1);
    const token = tokenIn(mail!, "/reimposta-password");
    const form = await get(`/reimposta-password?token=${token}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
    const next = "Una-Nuova-Frase-Per-Il-Reset";
    const weak = await postForm(site.baseUrl, "/reimposta-password", { token, password: "corta", passwordConfirm: "corta" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain("almeno 12 caratteri");
    const done = await postForm(site.baseUrl, "/reimposta-password", { token, password: next, passwordConfirm: next });
    expect(await (await resultOf(done)).text()).toContain("La password è cambiata");
    const reused = await postForm(site.baseUrl, "/reimposta-password", { token, password: "Ancora-Un-Altra-Frase-2", passwordConfirm: "Ancora-Un-Altra-Frase-2" });
    expect(reused.status).toBe(422);
    expect(await reused.text()).toContain("non è valido, è scaduto o è già stato usato");
    expect((await get(`/reimposta-password?token=${token}`)).status).toBe(400);
    expect((await get("/account", oldSession)).status).toBe(303);
    await signInOverHttp(site.baseUrl, user.email, next);
  });

  it("voids outstanding reset links and other sessions when the password is changed", async () => {
    const user = await createUserWithRole("learner");
    const here = await signInOverHttp(site.baseUrl, user.email);
    const elsewhere = await signInOverHttp(site.baseUrl, user.email);
    await postForm(site.baseUrl, "/password-dimenticata", { email: user.email });
    const token = tokenIn((await mailsTo(user.email, 1))[0]!, "/reimposta-password");
    expect((await get(`/reimposta-password?token=${token}`)).status).toBe(200);
    const next = "Frase-Cambiata-Dal-Profilo-7";
    const changed = await postForm(site.baseUrl, "/account/password", { currentPassword: user.password, password: next, passwordConfirm: next }, { cookie: here });
    expect(changed.status).toBeLessThan(400);
    // A reset link mailed before the change (perhaps to whoever knew the old password) no longer works.
    expect((await get(`/reimposta-password?token=${token}`)).status).toBe(400);
    const late = await postForm(site.baseUrl, "/reimposta-password", { token, password: "Frase-Di-Chi-Attacca-99", passwordConfirm: "Frase-Di-Chi-Attacca-99" });
    expect(late.status).toBe(422);
    expect((await get("/account", elsewhere)).status).toBe(303);
    await signInOverHttp(site.baseUrl, user.email, next);
  });

  it("signs out here, and everywhere", async () => {
    const user = await createUserWithRole("learner");
    const first = await signInOverHttp(site.baseUrl, user.email);
    const second = await signInOverHttp(site.baseUrl, user.email);
    const out = await postForm(site.baseUrl, "/esci", {}, { cookie: first });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toMatch(/aggrega_sessione=;/);
    expect((await get("/account", first)).status).toBe(303);
    expect((await get("/account", second)).status).toBe(200);
    const third = await signInOverHttp(site.baseUrl, user.email);
    expect((await postForm(site.baseUrl, "/account/esci-ovunque", {}, { cookie: third })).status).toBe(303);
    expect((await get("/account", second)).status).toBe(303);
    expect((await get("/account", third)).status).toBe(303);
  });

  it("ends the sessions of a deactivated account and lets admins change roles", async () => {
    const admin = await createUserWithRole("admin");
    const adminCookie = await signInOverHttp(site.baseUrl, admin.email);
    const target = await createUserWithRole("learner");
    const targetCookie = await signInOverHttp(site.baseUrl, target.email);
    const promoted = await postForm(site.baseUrl, "/gestione/utenti", { action: "ruolo", userId: target.id, role: "editor" }, { cookie: adminCookie });
    expect(promoted.status).toBe(303);
    expect((await get("/gestione", targetCookie)).status).toBe(200);
    expect((await postForm(site.baseUrl, "/gestione/utenti", { action: "disattiva", userId: target.id }, { cookie: adminCookie })).status).toBe(303);
    expect((await get("/gestione", targetCookie)).status).toBe(303);
    const refused = await postForm(site.baseUrl, "/accedi", { email: target.email, password: TEST_PASSWORD });
    expect(refused.status).toBe(401);
    const bad = await postForm(site.baseUrl, "/gestione/utenti", { action: "ruolo", userId: target.id, role: "sovrano" }, { cookie: adminCookie });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Ruolo non valido");
  });

  it("exports the person's data and deletes the account, keeping certificates anonymised", async () => {
    const user = await createUserWithRole("learner", { name: "Irene Certificata" });
    const [version] = await conn.db
      .insert(courseVersions)
      .values({ courseSlug: "corso-prova", version: 999, structureHash: randomUUID(), structure: { title: "Corso di prova", summary: "Corso usato solo da questo test.", audience: "Prova", hours: 2, objectives: [], prerequisites: [], passMark: 70, maxAttempts: 3, order: 1, modules: [], quiz: [] }, isCurrent: false })
      .returning();
    const code = randomUUID();
    await conn.db.insert(certificates).values({ code, userId: user.id, holderName: user.name, courseSlug: "corso-prova", courseTitle: "Corso di prova", courseVersionId: version!.id, hours: 2, score: 90 });
    const cookie = await signInOverHttp(site.baseUrl, user.email);

    const download = await get("/account/dati", cookie);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="aggrega-dati-\d{4}-\d{2}-\d{2}\.json"$/);
    const data = await download.json();
    expect(data.account.email).toBe(user.email);
    expect(data.learning.certificates.map((c: { code: string }) => c.code)).toEqual([code]);
    expect(JSON.stringify(data)).not.toContain("argon2");

    const page = await (await get("/account/elimina", cookie)).text();
    expect(page).toContain("attestati già rilasciati");
    const wrong = await postForm(site.baseUrl, "/account/elimina", { currentPassword: "Non-E-La-Mia-Password" }, { cookie });
    expect(wrong.status).toBe(422);
    expect(await conn.db.select().from(users).where(eq(users.id, user.id))).toHaveLength(1);
    const deleted = await postForm(site.baseUrl, "/account/elimina", { currentPassword: TEST_PASSWORD }, { cookie });
    expect(deleted.status).toBe(303);
    expect(await conn.db.select().from(users).where(eq(users.id, user.id))).toHaveLength(0);
    const [kept] = await conn.db.select().from(certificates).where(eq(certificates.code, code));
    expect(kept).toMatchObject({ userId: null, holderName: "Irene Certificata" });
    expect((await get("/account", cookie)).status).toBe(303);
  });

  it("answers 429 in Italian once an account has had too many attempts", async () => {
    const user = await createUserWithRole("learner");
    let last: Response | undefined;
    for (let i = 0; i < 9; i++) last = await postForm(site.baseUrl, "/accedi", { email: user.email, password: "Tentativo-Sbagliato-0" });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last!.text()).toContain("Troppi tentativi in poco tempo");
    const evenRight = await postForm(site.baseUrl, "/accedi", { email: user.email, password: TEST_PASSWORD });
    expect(evenRight.status).toBe(429);
  });
});

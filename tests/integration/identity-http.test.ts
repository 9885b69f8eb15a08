/**
 * SPID/CIE sign-in over HTTP on the real built server, against a real
 * trust anchor and real oidc-provider servers on loopback: the entity
 * configuration, the whole sign-in, linking and unlinking, and every
 * refusal, each an Italian page saying what to do.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeJwt, jwtVerify, UnsecuredJWT } from "jose";
import { auditLog, userIdentities, users } from "@db/schema";
import type { Connection } from "@/lib/db";
import { createUserWithRole, signInOverHttp } from "../helpers/auth";
import { useSiteDatabase } from "../helpers/db";
import { CookieJar, startTestFederation, walkProvider, type TestFederation } from "../helpers/identity";
import { freePort } from "../helpers/ports";
import { startSite, type RunningSite } from "../helpers/server";

describe("SPID/CIE sign-in over HTTP", () => {
  let federation: TestFederation;
  let site: RunningSite;
  let conn: Connection;
  let downProvider: string;

  beforeAll(async () => {
    federation = await startTestFederation();
    downProvider = `http://127.0.0.1:${await freePort()}`;
    site = await startSite({ ...federation.env, SPID_PROVIDERS: `${federation.env.SPID_PROVIDERS},${downProvider}|Gestore spento` });
    await federation.onboard(site.baseUrl);
    conn = await useSiteDatabase(site);
  }, 180_000);
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
    await federation?.close();
  });
  afterEach(() => {
    // Faults are switched on per test; every test starts with a healthy federation.
    const { spid, anchor } = federation;
    spid.assertAcr = undefined;
    spid.idTokenRewrite = undefined;
    spid.tamperEntityConfiguration = false;
    spid.trustMark = "valid";
    anchor.tampered.clear();
    anchor.register(spid.entityId, { jwks: spid.federationJwks });
  });

  const spidStart = () => `${site.baseUrl}/accesso/spid/avvia?gestore=${encodeURIComponent(federation.spid.entityId)}`;

  /** Button → provider (login, consent) → back at the site's callback; returns the callback's answer. */
  async function signIn(jar: CookieJar, login: string, options: { start?: string; cancel?: boolean; provider?: "spid" | "cie" } = {}) {
    const provider = options.provider === "cie" ? federation.cie : federation.spid;
    const started = await jar.fetch(options.start ?? (options.provider === "cie" ? `${site.baseUrl}/accesso/cie/avvia` : spidStart()));
    expect(started.status, await started.clone().text()).toBe(303);
    const callback = await walkProvider(jar, started.headers.get("location")!, provider, { login, cancel: options.cancel });
    expect(callback.startsWith(`${site.baseUrl}/accesso/ritorno?`)).toBe(true);
    return { callback, response: await jar.fetch(callback) };
  }

  async function expectProblem(response: Response, code: string, status: number, text: RegExp) {
    const html = (await response.text()).replaceAll("&#39;", "'");
    expect(response.status, html.slice(0, 500)).toBe(status);
    expect(html).toContain(`data-problem="${code}"`);
    expect(html).toMatch(text);
    expect(html).not.toMatch(/at Object\.|Error:|stack/i);
  }

  it("publishes a valid entity configuration", async () => {
    const response = await fetch(`${site.baseUrl}/.well-known/openid-federation`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/entity-statement+jwt");
    const jwt = await response.text();
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(decodeJwt(jwt).jwks as never), { issuer: site.baseUrl, subject: site.baseUrl, typ: "entity-statement+jwt" });
    expect(payload.authority_hints).toEqual([federation.anchor.entityId]);
    expect((payload.metadata as { openid_relying_party: { redirect_uris: string[] } }).openid_relying_party.redirect_uris).toEqual([`${site.baseUrl}/accesso/ritorno`]);
  });

  it("shows «Entra con SPID» with the provider list and «Entra con CIE» on the sign-in page", async () => {
    const html = await (await fetch(`${site.baseUrl}/accedi`)).text();
    expect(html).toContain("Entra con SPID");
    expect(html).toContain("Entra con CIE");
    expect(html).toContain(">SPID di prova<");
    expect(html).toContain(`/accesso/spid/avvia?gestore=${encodeURIComponent(federation.spid.entityId)}`);
  });

  it("creates the account from the verified claims on a first SPID sign-in and finds it again by fiscal number", async () => {
    const jar = new CookieJar();
    const { response } = await signIn(jar, "mario");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account?esito=benvenuto");
    const account = await (await jar.fetch(`${site.baseUrl}/account`)).text();
    expect(account).toContain("mario.rossi@prova.example.it");
    expect(account).toContain("Mario Rossi");
    expect(account).toContain("RSSMRA80A01H501U");
    const [user] = await conn.db.select().from(users).where(eq(users.email, "mario.rossi@prova.example.it"));
    expect(user).toMatchObject({ name: "Mario Rossi", passwordHash: "" });
    expect(user!.emailVerifiedAt).not.toBeNull();
    const entries = await conn.db.select().from(auditLog).where(and(eq(auditLog.entityId, user!.id), eq(auditLog.action, "user.signed_in")));
    expect(entries.map((e) => e.details)).toEqual([{ method: "spid", acr: "https://www.spid.gov.it/SpidL2", provider: federation.spid.entityId }]);

    const again = await signIn(new CookieJar(), "mario", { provider: "cie" });
    expect(again.response.headers.get("location")).toBe("/account");
    const [identity] = await conn.db.select().from(userIdentities).where(eq(userIdentities.fiscalNumber, "RSSMRA80A01H501U"));
    expect(identity).toMatchObject({ userId: user!.id, lastMethod: "cie", lastAcr: "https://www.spid.gov.it/SpidL2" });
  });

  it("refuses a replayed state", async () => {
    const jar = new CookieJar();
    const started = await jar.fetch(spidStart());
    const stateCookie = jar.header(site.baseUrl);
    const callback = await walkProvider(jar, started.headers.get("location")!, federation.spid, { login: "mario" });
    expect((await jar.fetch(callback)).status).toBe(303);
    const replay = await fetch(callback, { headers: { cookie: stateCookie }, redirect: "manual" });
    await expectProblem(replay, "expired", 400, /scaduta o è già stata usata/);
  });

  it("refuses a callback without the browser's state cookie", async () => {
    const jar = new CookieJar();
    const started = await jar.fetch(spidStart());
    const callback = await walkProvider(jar, started.headers.get("location")!, federation.spid, { login: "mario" });
    await expectProblem(await fetch(callback, { redirect: "manual" }), "expired", 400, /Torna alla pagina di accesso/);
  });

  it("refuses an unsigned request object: the provider rejects it and the site says so", async () => {
    const jar = new CookieJar();
    const started = await jar.fetch(spidStart());
    const location = new URL(started.headers.get("location")!);
    const claims = decodeJwt(location.searchParams.get("request")!);
    location.searchParams.set("request", new UnsecuredJWT(claims).encode());
    const answer = await jar.fetch(location.toString());
    expect(answer.status).toBe(303);
    const callback = new URL(answer.headers.get("location")!);
    expect(callback.searchParams.get("error")).toBe("invalid_request_object");
    await expectProblem(await jar.fetch(callback.toString()), "provider_refused", 502, /non ha completato l'accesso/);
  });

  it("refuses a wrong or missing acr", async () => {
    federation.spid.assertAcr = () => "https://www.spid.gov.it/SpidL1";
    await expectProblem((await signIn(new CookieJar(), "mario")).response, "wrong_acr", 403, /livello di sicurezza/);
    federation.spid.assertAcr = () => null;
    await expectProblem((await signIn(new CookieJar(), "mario")).response, "wrong_acr", 403, /livello di sicurezza/);
  });

  it("refuses an ID token without at_hash or with a wrong one", async () => {
    federation.spid.idTokenRewrite = ({ at_hash: _dropped, ...claims }) => claims;
    await expectProblem((await signIn(new CookieJar(), "mario")).response, "invalid_response", 502, /controlli di sicurezza/);
    federation.spid.idTokenRewrite = (claims) => ({ ...claims, at_hash: "AAAAAAAAAAAAAAAAAAAAAA" });
    await expectProblem((await signIn(new CookieJar(), "mario")).response, "invalid_response", 502, /controlli di sicurezza/);
  });

  it("refuses a tampered entity statement", async () => {
    federation.anchor.tampered.add(federation.spid.entityId);
    await expectProblem(await fetch(spidStart(), { redirect: "manual" }), "invalid_chain", 502, /catena di fiducia/);
    federation.anchor.tampered.clear();
    federation.spid.tamperEntityConfiguration = true;
    await expectProblem(await fetch(spidStart(), { redirect: "manual" }), "invalid_chain", 502, /catena di fiducia/);
  });

  it("refuses a provider whose trust mark has expired", async () => {
    federation.spid.trustMark = "expired";
    await expectProblem(await fetch(spidStart(), { redirect: "manual" }), "invalid_chain", 502, /catena di fiducia/);
  });

  it("refuses a provider outside the trust chain, a provider not offered and a provider that is down", async () => {
    federation.anchor.unregister(federation.spid.entityId);
    await expectProblem(await fetch(spidStart(), { redirect: "manual" }), "invalid_chain", 502, /catena di fiducia/);
    const stranger = `${site.baseUrl}/accesso/spid/avvia?gestore=${encodeURIComponent("https://idp.sconosciuto.example")}`;
    await expectProblem(await fetch(stranger, { redirect: "manual" }), "unknown_provider", 400, /non è tra quelli disponibili/);
    const down = `${site.baseUrl}/accesso/spid/avvia?gestore=${encodeURIComponent(downProvider)}`;
    await expectProblem(await fetch(down, { redirect: "manual" }), "provider_unreachable", 502, /non risponde/);
  });

  it("says the person cancelled when they cancel at the provider", async () => {
    await expectProblem((await signIn(new CookieJar(), "mario", { cancel: true })).response, "cancelled", 400, /Hai annullato l'accesso/);
  });

  it("does not take over an email-and-password account with the same address", async () => {
    await createUserWithRole("learner", { email: "giulia.bianchi@prova.example.it" });
    await expectProblem((await signIn(new CookieJar(), "giulia")).response, "email_in_use", 409, /collega SPID o CIE/);
  });

  it("links SPID to an email-and-password account from the settings, signs in with it, and unlinks it", async () => {
    const person = await createUserWithRole("learner", { email: "anna.privata@prova.example.it", name: "Anna Verdi" });
    const cookie = await signInOverHttp(site.baseUrl, person.email);
    const jar = new CookieJar();
    const [name, value] = cookie.split("=");
    jar.store(site.baseUrl, new Response(null, { headers: { "set-cookie": `${name}=${value}; Path=/` } }));
    const settings = await (await jar.fetch(`${site.baseUrl}/account`)).text();
    expect(settings).toContain("Collega SPID");
    const started = await jar.fetch(`${site.baseUrl}/accesso/spid/avvia?gestore=${encodeURIComponent(federation.spid.entityId)}&collega=1`);
    expect(started.status).toBe(303);
    const callback = await walkProvider(jar, started.headers.get("location")!, federation.spid, { login: "anna" });
    const linked = await jar.fetch(callback);
    expect(linked.headers.get("location")).toBe("/account?esito=identita-collegata");
    expect(await (await jar.fetch(`${site.baseUrl}/account?esito=identita-collegata`)).text()).toContain("Identità digitale collegata");

    const viaSpid = await signIn(new CookieJar(), "anna");
    expect(viaSpid.response.headers.get("location")).toBe("/account");
    const [identity] = await conn.db.select().from(userIdentities).where(eq(userIdentities.fiscalNumber, "VRDNNA90C45L219K"));
    expect(identity!.userId).toBe(person.id);

    const unlinked = await jar.fetch(`${site.baseUrl}/account/identita`, { method: "POST", body: new URLSearchParams(), headers: { "content-type": "application/x-www-form-urlencoded", origin: site.baseUrl } });
    expect(unlinked.status).toBe(303);
    expect(await conn.db.select().from(userIdentities).where(eq(userIdentities.userId, person.id))).toEqual([]);
    const audit = await conn.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entityId, person.id));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["user.identity_linked", "user.signed_in", "user.identity_unlinked"]));
  });

  it("sends a visitor who is not signed in to the sign-in page instead of linking", async () => {
    const response = await fetch(`${site.baseUrl}/accesso/spid/avvia?gestore=${encodeURIComponent(federation.spid.entityId)}&collega=1`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/accedi?dopo=/account");
  });

  it("lets an account made with CIE download its data, identity included, and delete itself without a password", async () => {
    const fresh = new CookieJar();
    const { response } = await signIn(fresh, "luca", { provider: "cie" });
    expect(response.headers.get("location")).toBe("/account?esito=benvenuto");
    const data = await (await fresh.fetch(`${site.baseUrl}/account/dati`)).json();
    expect(data.identity).toMatchObject({ fiscalNumber: "LCUNRI75D12H501Z", givenName: "Luca", familyName: "Neri", lastMethod: "cie" });
    const form = await (await fresh.fetch(`${site.baseUrl}/account/elimina`)).text();
    expect(form).toContain("ELIMINA");
    expect(form).not.toContain('name="currentPassword"');
    const post = (fields: Record<string, string>) =>
      fresh.fetch(`${site.baseUrl}/account/elimina`, { method: "POST", body: new URLSearchParams(fields), headers: { "content-type": "application/x-www-form-urlencoded", origin: site.baseUrl } });
    expect((await post({ conferma: "elimina adesso" })).status).toBe(422);
    const deleted = await post({ conferma: "ELIMINA" });
    expect(deleted.status).toBe(303);
    expect(await conn.db.select().from(users).where(eq(users.email, "luca.neri@prova.example.it"))).toEqual([]);
    expect(await conn.db.select().from(userIdentities).where(eq(userIdentities.fiscalNumber, "LCUNRI75D12H501Z"))).toEqual([]);
  });

  it("keeps one way in: an account made with SPID cannot unlink it until it has a password", async () => {
    const jar = new CookieJar();
    await signIn(jar, "mario");
    const refused = await jar.fetch(`${site.baseUrl}/account/identita`, { method: "POST", body: new URLSearchParams(), headers: { "content-type": "application/x-www-form-urlencoded", origin: site.baseUrl } });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("Imposta prima una password");
    expect((await conn.db.select().from(userIdentities).where(eq(userIdentities.fiscalNumber, "RSSMRA80A01H501U"))).length).toBe(1);
  });
});

/**
 * SPID/CIE relying party at the domain level, against real peers on
 * loopback (a trust anchor and two oidc-provider servers): the entity
 * configuration, trust-chain resolution, the whole code flow, key rotation
 * during a sign-in, and ID tokens built by hand for the at_hash checks.
 */
import { spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { overrideConfig } from "@/config";
import { accountsCleanupJob, entityConfiguration, finishSignIn, publishedKeys, resolveTrustChain, RETIRED_KEY_GRACE_MS, rotateKeys, SignInProblem, startSignIn, verifyIdToken } from "@/accounts";
import { certificates, courseVersions, identityKeys, identitySignIns, userIdentities, users, type CourseStructure } from "@db/schema";
import { issueCertificate } from "@/learning/certificates";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { CookieJar, startTestFederation, walkProvider, type TestFederation } from "../helpers/identity";
import { FISCAL_NUMBER } from "../helpers/identity-provider";

describe("SPID/CIE relying party (domain level)", () => {
  let db: TestDatabase;
  let federation: TestFederation;
  let site: http.Server;
  let siteUrl: string;
  let siteTrustMark: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    federation = await startTestFederation();
    // Stands in for the site: it serves only the entity configuration, which is all the provider reads.
    site = http.createServer(async (req, res) => {
      if (req.url === "/.well-known/openid-federation") {
        res.writeHead(200, { "content-type": "application/entity-statement+jwt" });
        res.end(await entityConfiguration());
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    // Onboarding: the anchor registers the site's federation key and issues it a trust mark, which the site then publishes.
    overrideConfig({ SITE_URL: siteUrl, ...federation.env });
    await federation.onboard(siteUrl);
    siteTrustMark = await federation.anchor.trustMark(siteUrl, { type: "https://registry.aggrega.test/openid_relying_party/public" });
    overrideConfig({ SITE_URL: siteUrl, ...federation.env, IDENTITY_TRUST_MARKS: siteTrustMark });
  });
  afterAll(async () => {
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
    await federation?.close();
    await db?.cleanup();
    overrideConfig({});
  });

  async function signInWith(method: "spid" | "cie", login = "mario") {
    const provider = method === "spid" ? federation.spid : federation.cie;
    const started = await startSignIn({ method, provider: provider.entityId, returnTo: "/account" });
    const callback = await walkProvider(new CookieJar(), started.location, provider, { login });
    expect(callback.startsWith(`${siteUrl}/accesso/ritorno?`)).toBe(true);
    return { started, callback: new URL(callback) };
  }

  it("publishes an entity configuration signed with its own federation keys, with the required claims", async () => {
    const response = await fetch(`${siteUrl}/.well-known/openid-federation`);
    expect(response.headers.get("content-type")).toBe("application/entity-statement+jwt");
    const jwt = await response.text();
    const unverified = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(unverified.jwks), { issuer: siteUrl, subject: siteUrl, typ: "entity-statement+jwt" });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.authority_hints).toEqual([federation.anchor.entityId]);
    const rp = (payload.metadata as Record<string, Record<string, unknown>>).openid_relying_party!;
    expect(rp.client_id).toBe(siteUrl);
    expect(rp.client_registration_types).toEqual(["automatic"]);
    expect(rp.redirect_uris).toEqual([`${siteUrl}/accesso/ritorno`]);
    expect(rp.response_types).toEqual(["code"]);
    expect(rp.grant_types).toEqual(["authorization_code"]);
    const uses = (rp.jwks as { keys: { use: string; d?: string }[] }).keys.map((k) => k.use).sort();
    expect(uses).toEqual(["enc", "sig"]);
    expect((rp.jwks as { keys: { d?: string }[] }).keys.every((k) => k.d === undefined)).toBe(true);
    expect((payload.jwks as { keys: { d?: string }[] }).keys.every((k) => k.d === undefined)).toBe(true);
    expect(Object.keys((rp.claims as { userinfo: object }).userinfo)).toEqual(["given_name", "family_name", "email", FISCAL_NUMBER]);
    expect(payload.exp! - payload.iat!).toBe(86_400);
    expect(payload.trust_marks).toEqual([{ id: "https://registry.aggrega.test/openid_relying_party/public", trust_mark: siteTrustMark }]);
    await jwtVerify(siteTrustMark, createLocalJWKSet({ keys: [federation.anchor.key.publicJwk] }), { issuer: federation.anchor.entityId, subject: siteUrl });
  });

  it("publishes its entity configuration even with SPID/CIE off, without authority hints", async () => {
    overrideConfig({ SITE_URL: siteUrl, IDENTITY_TRUST_ANCHORS: "", SPID_PROVIDERS: "", CIE_PROVIDER: "", IDENTITY_TRUST_MARKS: "" });
    try {
      const jwt = await entityConfiguration();
      const { payload } = await jwtVerify(jwt, createLocalJWKSet(JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).jwks), { issuer: siteUrl, subject: siteUrl });
      expect(payload.authority_hints).toBeUndefined();
      expect(payload.trust_marks).toBeUndefined();
      expect((payload.metadata as Record<string, unknown>).openid_relying_party).toBeDefined();
    } finally {
      overrideConfig({ SITE_URL: siteUrl, ...federation.env, IDENTITY_TRUST_MARKS: siteTrustMark });
    }
  });

  it("resolves a provider's trust chain with the anchor's metadata policy and trust mark", async () => {
    federation.anchor.register(federation.spid.entityId, {
      jwks: federation.spid.federationJwks,
      metadataPolicy: { openid_provider: { acr_values_supported: { subset_of: ["https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"] }, op_policy_uri: { default: "https://policy.example/op" } } },
    });
    try {
      const chain = await resolveTrustChain(federation.spid.entityId, [federation.anchor.entityId], "openid_provider");
      expect(chain.trustAnchor).toBe(federation.anchor.entityId);
      expect(chain.metadata.acr_values_supported).toEqual(["https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"]);
      expect(chain.metadata.op_policy_uri).toBe("https://policy.example/op");
      expect(chain.trustMarks).toEqual(["https://registry.aggrega.test/openid_provider/public"]);
    } finally {
      federation.anchor.register(federation.spid.entityId, { jwks: federation.spid.federationJwks });
    }
  });

  it("signs in with SPID and with CIE end to end and returns the verified claims", async () => {
    const spid = await signInWith("spid");
    const identity = await finishSignIn(spid.callback.searchParams, spid.started.state);
    expect(identity).toMatchObject({ method: "spid", acr: "https://www.spid.gov.it/SpidL2", givenName: "Mario", familyName: "Rossi", email: "mario.rossi@prova.example.it", fiscalNumber: "RSSMRA80A01H501U" });
    const cie = await signInWith("cie", "giulia");
    expect(await finishSignIn(cie.callback.searchParams, cie.started.state)).toMatchObject({ method: "cie", acr: "https://www.spid.gov.it/SpidL2", givenName: "Giulia", fiscalNumber: "BNCGLI85M41F205X" });
  });

  it("ends a sign-in started before a key rotation", async () => {
    const { started, callback } = await signInWith("spid");
    await rotateKeys(["sig", "enc"]);
    expect((await finishSignIn(callback.searchParams, started.state)).fiscalNumber).toBe("RSSMRA80A01H501U");
  });

  it("rotates keys from the command line, keeping the retired ones published", async () => {
    const before = JSON.parse(Buffer.from((await entityConfiguration()).split(".")[1]!, "base64url").toString());
    const sigBefore = before.metadata.openid_relying_party.jwks.keys.filter((k: { use: string }) => k.use === "sig");
    const oldSig = sigBefore[0].kid;
    const run = (args: string[]) =>
      spawnSync(`${ROOT}/node_modules/.bin/tsx`, ["src/cli/identity-rotate-keys.ts", ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8", timeout: 60_000 });
    const rotated = run([]);
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/identity:rotate-keys: nuove chiavi: sig [\w-]+, enc [\w-]+/);
    const bad = run(["--tutte"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Uso: npm run identity:rotate-keys");
    const rows = await db.db.select().from(identityKeys);
    expect(rows.filter((row) => row.use === "sig" && !row.retiredAt)).toHaveLength(1);
    expect(rows.find((row) => row.kid === oldSig)!.retiredAt).not.toBeNull();
    const after = JSON.parse(Buffer.from((await entityConfiguration()).split(".")[1]!, "base64url").toString());
    const sigKids = after.metadata.openid_relying_party.jwks.keys.filter((k: { use: string }) => k.use === "sig").map((k: { kid: string }) => k.kid);
    // The new active key first, then every retired key still within its grace period, the one just retired included.
    expect(sigKids).toHaveLength(sigBefore.length + 1);
    expect(sigKids[1]).toBe(oldSig);
    expect(sigKids[0]).not.toBe(oldSig);
    // Past the grace period only the active keys are published.
    const later = await publishedKeys(new Date(Date.now() + RETIRED_KEY_GRACE_MS + 60_000));
    expect(later.map((key) => key.use).sort()).toEqual(["enc", "federation", "sig"]);
  });

  it("checks iss in the callback (RFC 9207): another issuer or none is refused", async () => {
    for (const iss of [federation.cie.entityId, null]) {
      const { started, callback } = await signInWith("spid");
      expect(callback.searchParams.get("iss")).toBe(federation.spid.entityId);
      if (iss) callback.searchParams.set("iss", iss);
      else callback.searchParams.delete("iss");
      await expect(finishSignIn(callback.searchParams, started.state)).rejects.toMatchObject({ code: "invalid_response", detail: expect.stringMatching(/^iss /) });
    }
  });

  it("puts the verified name on certificates, not the one typed in the profile", async () => {
    const { eq } = await import("drizzle-orm");
    await db.db.insert(users).values({ id: "u-verified", email: "verificata@prova.example.it", name: "Soprannome Scelto", passwordHash: "" });
    await db.db.insert(userIdentities).values({ fiscalNumber: "RSSMRA80A01H501U", userId: "u-verified", givenName: "Mario", familyName: "Rossi", lastMethod: "spid", lastAcr: "https://www.spid.gov.it/SpidL2", lastSignInAt: new Date() });
    await db.db.insert(users).values({ id: "u-plain", email: "semplice@prova.example.it", name: "Paola Semplice", passwordHash: "x" });
    const structure = { title: "Corso di prova", hours: 2 } as unknown as CourseStructure;
    const [version] = await db.db.insert(courseVersions).values({ courseSlug: "corso-prova", version: 1, structureHash: "h", structure, isCurrent: true }).returning();
    for (const userId of ["u-verified", "u-plain"]) {
      await db.db.transaction((tx) => issueCertificate(tx, { userId, courseSlug: "corso-prova", versionId: version!.id, structure, score: 90 }));
    }
    const holder = async (userId: string) => (await db.db.select({ name: certificates.holderName }).from(certificates).where(eq(certificates.userId, userId)))[0]!.name;
    expect(await holder("u-verified")).toBe("Mario Rossi");
    expect(await holder("u-plain")).toBe("Paola Semplice");
  });

  it("refuses a replayed state", async () => {
    const { started, callback } = await signInWith("spid");
    await finishSignIn(callback.searchParams, started.state);
    await expect(finishSignIn(callback.searchParams, started.state)).rejects.toMatchObject({ code: "expired" });
  });

  it("forgets expired sign-ins in the accounts cleanup job, and refuses them before that", async () => {
    const { started, callback } = await signInWith("spid");
    const { sql } = await import("drizzle-orm");
    await db.db.update(identitySignIns).set({ expiresAt: new Date(Date.now() - 1000) }).where(sql`used_at is null`);
    await expect(finishSignIn(callback.searchParams, started.state)).rejects.toMatchObject({ code: "expired" });
    expect((await db.db.select().from(identitySignIns)).filter((row) => row.expiresAt.getTime() < Date.now()).length).toBeGreaterThan(0);
    await accountsCleanupJob.run(new AbortController().signal);
    expect((await db.db.select().from(identitySignIns)).filter((row) => row.expiresAt.getTime() < Date.now())).toEqual([]);
  });

  it("refuses an ID token built by hand without at_hash or with a wrong one", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k", alg: "RS256" }] });
    const now = Math.floor(Date.now() / 1000);
    const token = (claims: JWTPayload) =>
      new SignJWT({ sub: "mario", nonce: "n-1", acr: "https://www.spid.gov.it/SpidL2", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "k" })
        .setIssuer("https://op.example")
        .setAudience(siteUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(privateKey);
    const expected = { issuer: "https://op.example", clientId: siteUrl, nonce: "n-1", acr: "https://www.spid.gov.it/SpidL2", method: "spid" as const, keys };
    const accessToken = "access-token-value";
    const { createHash } = await import("node:crypto");
    const good = createHash("sha256").update(accessToken).digest().subarray(0, 16).toString("base64url");
    await expect(verifyIdToken(await token({ at_hash: good }), accessToken, expected)).resolves.toMatchObject({ sub: "mario" });
    await expect(verifyIdToken(await token({}), accessToken, expected)).rejects.toThrow(/at_hash missing/);
    await expect(verifyIdToken(await token({ at_hash: good }), "another-token", expected)).rejects.toThrow(/at_hash does not match/);
    await expect(verifyIdToken(await token({ at_hash: good, acr: "https://www.spid.gov.it/SpidL1" }), accessToken, expected)).rejects.toMatchObject({ code: "wrong_acr" });
    await expect(verifyIdToken(await token({ at_hash: good, acr: undefined }), accessToken, expected)).rejects.toMatchObject({ code: "wrong_acr" });
    await expect(verifyIdToken(await token({ at_hash: good, nonce: "other" }), accessToken, expected)).rejects.toThrow(/nonce/);
    expect(decodeProtectedHeader(await token({})).kid).toBe("k");
    expect(SignInProblem).toBeDefined();
  });
});

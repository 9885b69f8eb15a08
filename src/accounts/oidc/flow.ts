/**
 * The relying party's side of a SPID/CIE sign-in (OIDC Core + iGov, as the
 * SPID/CIE OIDC technical rules profile them): the provider is trusted only
 * through its trust chain; the authorisation request is a signed request
 * object with PKCE S256, state, nonce and acr_values; the callback checks
 * `iss` (RFC 9207) and uses the state once; the token request authenticates
 * with private_key_jwt; the ID token and the signed-then-encrypted userinfo
 * are verified before anything is believed.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import {
  compactDecrypt,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { identitySignIns, type IdentityMethod } from "@db/schema";
import { config, type IdentityConfig } from "@/config";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { CALLBACK_PATH, REQUESTED_CLAIMS } from "./entity";
import { SignInProblem } from "./errors";
import { resolveTrustChain } from "./federation";
import { activeKey, decryptionKey } from "./keys";

/** How long a person has between the button and the callback. */
export const SIGN_IN_LIFETIME_MS = 10 * 60 * 1000;
/** The cookie that binds a sign-in in progress to the browser that started it. */
export const STATE_COOKIE = "aggrega_accesso_spid";
export const FISCAL_NUMBER_CLAIM = "https://attributes.eid.gov.it/fiscal_number";
const FETCH_TIMEOUT_MS = 10_000;
const SIGNING_ALGORITHMS = ["RS256", "RS512", "ES256", "ES384", "ES512", "PS256", "PS512"];

/**
 * Levels of assurance in increasing order (the same URIs for SPID and CIE id,
 * as the SPID/CIE OIDC rules define them); a provider may assert a higher
 * level than asked, never a lower one.
 */
const LEVELS = ["https://www.spid.gov.it/SpidL1", "https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"];
const ACR_ORDER: Record<IdentityMethod, string[]> = { spid: LEVELS, cie: LEVELS };

export function identityConfig(): IdentityConfig {
  const identity = config().identity;
  if (!identity) throw new SignInProblem("not_configured", "IDENTITY_TRUST_ANCHORS is not set");
  return identity;
}

function b64urlHash(value: string, bits = 256): string {
  return createHash(`sha${bits}`).update(value).digest().toString("base64url");
}

function hashState(state: string): string {
  return b64urlHash(state);
}

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks?: JSONWebKeySet;
  jwks_uri?: string;
  acr_values_supported?: string[];
  [key: string]: unknown;
}

function asProviderMetadata(metadata: Record<string, unknown>, entityId: string): ProviderMetadata {
  for (const field of ["issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint"]) {
    if (typeof metadata[field] !== "string" || !URL.canParse(metadata[field] as string)) {
      throw new SignInProblem("invalid_chain", `${entityId}'s openid_provider metadata lacks ${field}`);
    }
  }
  if (!metadata.jwks && typeof metadata.jwks_uri !== "string") throw new SignInProblem("invalid_chain", `${entityId} publishes no provider keys`);
  return metadata as ProviderMetadata;
}

function providerKeys(metadata: ProviderMetadata): JWTVerifyGetKey {
  return metadata.jwks ? createLocalJWKSet(metadata.jwks) : createRemoteJWKSet(new URL(metadata.jwks_uri!), { timeoutDuration: FETCH_TIMEOUT_MS });
}

/** The acr value asked of a method's providers. */
export function requestedAcr(method: IdentityMethod, identity = identityConfig()): string {
  return method === "spid" ? identity.spidAcr : identity.cieAcr;
}

/** Whether the provider's entity id is one the configuration offers for this method. */
export function isOfferedProvider(method: IdentityMethod, entityId: string, identity = identityConfig()): boolean {
  const offered = method === "spid" ? identity.spidProviders : identity.cieProvider ? [identity.cieProvider] : [];
  return offered.some((provider) => provider.entityId === entityId.replace(/\/+$/, ""));
}

/**
 * Starts a sign-in: resolves the provider's trust chain, stores the
 * sign-in's secrets and returns the address of the provider's authorisation
 * endpoint with a signed request object, plus the state for the cookie.
 */
export async function startSignIn(input: { method: IdentityMethod; provider: string; returnTo: string; linkUserId?: string | null }): Promise<{ location: string; state: string }> {
  const identity = identityConfig();
  const provider = input.provider.replace(/\/+$/, "");
  if (!isOfferedProvider(input.method, provider, identity)) throw new SignInProblem("unknown_provider", `${provider} is not a configured ${input.method} provider`);
  const chain = await resolveTrustChain(provider, identity.trustAnchors, "openid_provider");
  const metadata = asProviderMetadata(chain.metadata, provider);
  const acr = requestedAcr(input.method, identity);
  if (metadata.acr_values_supported && !metadata.acr_values_supported.includes(acr)) {
    throw new SignInProblem("wrong_acr", `${provider} does not support ${acr}`);
  }
  const siteUrl = config().siteUrl;
  const state = randomBytes(32).toString("base64url");
  const nonce = randomBytes(32).toString("base64url");
  const codeVerifier = randomBytes(48).toString("base64url");
  const codeChallenge = b64urlHash(codeVerifier);
  const redirectUri = `${siteUrl}${CALLBACK_PATH}`;
  const now = Date.now();

  const db = await getDb();
  await db.insert(identitySignIns).values({
    stateHash: hashState(state),
    method: input.method,
    provider,
    providerMetadata: metadata,
    nonce,
    codeVerifier,
    acr,
    returnTo: input.returnTo,
    linkUserId: input.linkUserId ?? null,
    expiresAt: new Date(now + SIGN_IN_LIFETIME_MS),
  });

  const signing = await activeKey("sig");
  const params = {
    client_id: siteUrl,
    response_type: "code",
    scope: "openid profile email",
    redirect_uri: redirectUri,
    state,
    nonce,
    code_challenge: codeChallenge,
    code_challenge_method: "S256",
    acr_values: acr,
    prompt: "consent login",
    claims: REQUESTED_CLAIMS,
  };
  const requestObject = await new SignJWT({ ...params, jti: randomUUID() })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: "oauth-authz-req+jwt" })
    .setIssuer(siteUrl)
    .setAudience(metadata.issuer)
    .setIssuedAt(Math.floor(now / 1000))
    .setNotBefore(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + SIGN_IN_LIFETIME_MS) / 1000))
    .sign(signing.key);
  const location = new URL(metadata.authorization_endpoint);
  for (const [name, value] of Object.entries({ client_id: siteUrl, response_type: "code", scope: params.scope, code_challenge: codeChallenge, code_challenge_method: "S256", request: requestObject })) {
    location.searchParams.set(name, value);
  }
  return { location: location.toString(), state };
}

/** Verified claims of the person, from the ID token and the userinfo. */
export interface VerifiedIdentity {
  method: IdentityMethod;
  provider: string;
  acr: string;
  sub: string;
  givenName: string;
  familyName: string;
  email: string;
  fiscalNumber: string;
  linkUserId: string | null;
  returnTo: string;
}

/**
 * Checks an ID token: signature by the provider, iss, aud, exp, nonce, the
 * level of assurance and at_hash (mandatory in the SPID/CIE profile).
 */
export async function verifyIdToken(
  idToken: string,
  accessToken: string,
  expected: { issuer: string; clientId: string; nonce: string; acr: string; method: IdentityMethod; keys: JWTVerifyGetKey },
): Promise<JWTPayload & { sub: string; acr: string }> {
  let payload: JWTPayload;
  let alg: string;
  try {
    const verified = await jwtVerify(idToken, expected.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: SIGNING_ALGORITHMS,
      requiredClaims: ["sub", "iat", "exp", "nonce"],
    });
    payload = verified.payload;
    alg = verified.protectedHeader.alg;
  } catch (error) {
    throw new SignInProblem("invalid_response", `ID token: ${(error as Error).message}`);
  }
  if (payload.nonce !== expected.nonce) throw new SignInProblem("invalid_response", "ID token: nonce mismatch");
  const order = ACR_ORDER[expected.method];
  const acr = typeof payload.acr === "string" ? payload.acr : "";
  if (!acr || !order.includes(acr) || order.indexOf(acr) < order.indexOf(expected.acr)) {
    throw new SignInProblem("wrong_acr", `ID token acr ${JSON.stringify(payload.acr ?? null)}, requested ${expected.acr}`);
  }
  const bits = Number(alg.slice(2)) || 256;
  const digest = createHash(`sha${bits}`).update(accessToken).digest();
  const atHash = digest.subarray(0, digest.length / 2).toString("base64url");
  if (typeof payload.at_hash !== "string" || payload.at_hash !== atHash) {
    throw new SignInProblem("invalid_response", `ID token: at_hash ${payload.at_hash === undefined ? "missing" : "does not match the access token"}`);
  }
  return payload as JWTPayload & { sub: string; acr: string };
}

async function postToken(metadata: ProviderMetadata, body: URLSearchParams): Promise<{ access_token: string; id_token: string }> {
  let response: Response;
  try {
    response = await fetch(metadata.token_endpoint, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (error) {
    throw new SignInProblem("provider_unreachable", `token endpoint: ${(error as Error).message}`);
  }
  const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok || !json) throw new SignInProblem("provider_refused", `token endpoint: HTTP ${response.status} ${JSON.stringify(json)}`);
  if (typeof json.access_token !== "string" || typeof json.id_token !== "string") throw new SignInProblem("invalid_response", "token response without access_token or id_token");
  return { access_token: json.access_token, id_token: json.id_token };
}

async function fetchUserinfo(metadata: ProviderMetadata, accessToken: string, clientId: string, keys: JWTVerifyGetKey): Promise<JWTPayload> {
  let response: Response;
  try {
    response = await fetch(metadata.userinfo_endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/jwt" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (error) {
    throw new SignInProblem("provider_unreachable", `userinfo endpoint: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SignInProblem("provider_refused", `userinfo endpoint: HTTP ${response.status}`);
  const jwe = (await response.text()).trim();
  try {
    // Signed, then encrypted to our enc key: decrypt, then verify the provider's signature inside.
    const header = decodeProtectedHeader(jwe);
    if (!header.enc) throw new Error("userinfo is not encrypted");
    const key = await decryptionKey(header.kid);
    if (!key) throw new Error(`no decryption key ${header.kid}`);
    const { plaintext } = await compactDecrypt(jwe, key, { keyManagementAlgorithms: ["RSA-OAEP-256", "RSA-OAEP"], contentEncryptionAlgorithms: ["A256GCM", "A128CBC-HS256", "A256CBC-HS512"] });
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), keys, { issuer: metadata.issuer, audience: clientId, algorithms: SIGNING_ALGORITHMS });
    return payload;
  } catch (error) {
    throw new SignInProblem("invalid_response", `userinfo: ${(error as Error).message}`);
  }
}

/** Deletes sign-ins past their expiry (used or abandoned); run by the accounts cleanup job. */
export async function pruneSignIns(now = new Date()): Promise<number> {
  const db = await getDb();
  const removed = await db.delete(identitySignIns).where(lt(identitySignIns.expiresAt, now)).returning({ stateHash: identitySignIns.stateHash });
  return removed.length;
}

/** Consumes a sign-in by its state: once, before it expires. */
async function consumeSignIn(state: string) {
  const db = await getDb();
  const now = new Date();
  const [row] = await db
    .update(identitySignIns)
    .set({ usedAt: now })
    .where(and(eq(identitySignIns.stateHash, hashState(state)), isNull(identitySignIns.usedAt), gt(identitySignIns.expiresAt, now)))
    .returning();
  return row ?? null;
}

/**
 * Handles the provider's answer at the callback and returns the verified
 * identity. `cookieState` is the state kept in the browser's cookie.
 */
export async function finishSignIn(query: URLSearchParams, cookieState: string | undefined): Promise<VerifiedIdentity> {
  identityConfig();
  const state = query.get("state") ?? "";
  if (!state || !cookieState || state !== cookieState) throw new SignInProblem("expired", "state missing or not the browser's");
  const row = await consumeSignIn(state);
  if (!row) throw new SignInProblem("expired", "state unknown, expired or already used");
  const metadata = row.providerMetadata as ProviderMetadata;
  const error = query.get("error");
  if (error) {
    log("info", "identity.provider_error", { provider: row.provider, error, description: query.get("error_description") });
    throw new SignInProblem(error === "access_denied" ? "cancelled" : "provider_refused", `provider answered ${error}: ${query.get("error_description") ?? ""}`);
  }
  if (query.get("iss") !== metadata.issuer) throw new SignInProblem("invalid_response", `iss ${JSON.stringify(query.get("iss"))} is not ${metadata.issuer}`);
  const code = query.get("code");
  if (!code) throw new SignInProblem("invalid_response", "no code in the callback");

  const clientId = config().siteUrl;
  const signing = await activeKey("sig");
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(metadata.token_endpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(signing.key);
  const tokens = await postToken(
    metadata,
    new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: `${clientId}${CALLBACK_PATH}`,
      client_id: clientId,
      code_verifier: row.codeVerifier,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }),
  );
  const keys = providerKeys(metadata);
  const idToken = await verifyIdToken(tokens.id_token, tokens.access_token, { issuer: metadata.issuer, clientId, nonce: row.nonce, acr: row.acr, method: row.method, keys });
  const userinfo = await fetchUserinfo(metadata, tokens.access_token, clientId, keys);
  if (userinfo.sub !== idToken.sub) throw new SignInProblem("invalid_response", "userinfo sub differs from the ID token's");
  const text = (name: string) => (typeof userinfo[name] === "string" ? (userinfo[name] as string).trim() : "");
  const fiscalNumber = text(FISCAL_NUMBER_CLAIM).toUpperCase().replace(/^TINIT-/, "");
  const identity = { givenName: text("given_name"), familyName: text("family_name"), email: text("email").toLowerCase(), fiscalNumber };
  const missing = Object.entries(identity).filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) throw new SignInProblem("missing_claims", `userinfo lacks ${missing.join(", ")}`);
  if (!/^[A-Z0-9]{11,16}$/.test(fiscalNumber)) throw new SignInProblem("missing_claims", "the fiscal number is not well formed");
  return { method: row.method, provider: row.provider, acr: idToken.acr, sub: idToken.sub, ...identity, linkUserId: row.linkUserId, returnTo: row.returnTo };
}

/**
 * OpenID Federation 1.0 for the relying party: fetching entity
 * configurations and subordinate statements, verifying every signature,
 * resolving a provider's trust chain up to a configured trust anchor,
 * applying the superiors' metadata policy and checking trust marks.
 * No provider is used without a valid chain.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { SignInProblem } from "./errors";

export const ENTITY_STATEMENT_TYPE = "entity-statement+jwt";
export const TRUST_MARK_TYPE = "trust-mark+jwt";
const FETCH_TIMEOUT_MS = 5000;
const MAX_CHAIN_LENGTH = 5;

export interface EntityStatement extends JWTPayload {
  iss: string;
  sub: string;
  exp: number;
  jwks: JSONWebKeySet;
  authority_hints?: string[];
  metadata?: Record<string, Record<string, unknown>>;
  metadata_policy?: Record<string, Record<string, Record<string, unknown>>>;
  trust_marks?: { id?: string; trust_mark_type?: string; trust_mark: string }[];
  trust_mark_issuers?: Record<string, string[]>;
  /** The signed statement as received (not a claim). */
  rawJwt?: string;
}

export interface TrustChain {
  /** The leaf's metadata of the requested type, after the superiors' policies. */
  metadata: Record<string, unknown>;
  trustAnchor: string;
  /** Seconds since the epoch when the shortest-lived statement of the chain expires. */
  expiresAt: number;
  /** Verified trust mark types of the leaf. */
  trustMarks: string[];
}

export function wellKnownUrl(entityId: string): string {
  return `${entityId.replace(/\/+$/, "")}/.well-known/openid-federation`;
}

async function fetchJwt(url: string, what: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error", headers: { accept: `application/${ENTITY_STATEMENT_TYPE}` } });
  } catch (error) {
    throw new SignInProblem("provider_unreachable", `${what} at ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new SignInProblem(response.status === 404 ? "invalid_chain" : "provider_unreachable", `${what} at ${url}: HTTP ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith(`application/${ENTITY_STATEMENT_TYPE}`)) throw new SignInProblem("invalid_chain", `${what} at ${url}: content type ${type}`);
  return (await response.text()).trim();
}

/** Verifies an entity statement with the given keys and checks its type, issuer, subject and lifetime. */
export async function verifyStatement(jwt: string, jwks: JSONWebKeySet, expected: { iss: string; sub: string }, what: string): Promise<EntityStatement> {
  try {
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: expected.iss,
      subject: expected.sub,
      typ: ENTITY_STATEMENT_TYPE,
      algorithms: ["RS256", "RS512", "ES256", "ES384", "ES512", "PS256", "PS512"],
      requiredClaims: ["iat", "exp"],
    });
    if (!protectedHeader.kid) throw new Error("no kid in the header");
    const statement = { ...payload, rawJwt: jwt } as EntityStatement;
    if (!statement.jwks || !Array.isArray(statement.jwks.keys)) throw new Error("no jwks");
    return statement;
  } catch (error) {
    if (error instanceof SignInProblem) throw error;
    throw new SignInProblem("invalid_chain", `${what}: ${(error as Error).message}`);
  }
}

/** Fetches an entity configuration and verifies it with its own keys. */
export async function fetchEntityConfiguration(entityId: string): Promise<EntityStatement> {
  const jwt = await fetchJwt(wellKnownUrl(entityId), "entity configuration");
  let jwks: JSONWebKeySet;
  try {
    jwks = (decodeJwt(jwt) as EntityStatement).jwks;
    decodeProtectedHeader(jwt);
  } catch (error) {
    throw new SignInProblem("invalid_chain", `entity configuration of ${entityId}: ${(error as Error).message}`);
  }
  return verifyStatement(jwt, jwks, { iss: entityId, sub: entityId }, `entity configuration of ${entityId}`);
}

async function fetchSubordinateStatement(superior: EntityStatement, subject: string): Promise<EntityStatement> {
  const endpoint = superior.metadata?.federation_entity?.federation_fetch_endpoint;
  if (typeof endpoint !== "string") throw new SignInProblem("invalid_chain", `${superior.sub} publishes no federation_fetch_endpoint`);
  const url = new URL(endpoint);
  url.searchParams.set("sub", subject);
  const jwt = await fetchJwt(url.toString(), "subordinate statement");
  return verifyStatement(jwt, superior.jwks, { iss: superior.sub, sub: subject }, `statement of ${superior.sub} about ${subject}`);
}

/** Checks that an entity configuration verifies with the keys its superior vouches for, not only with its own. */
async function assertSignedWithVouchedKey(subject: EntityStatement, vouched: JSONWebKeySet): Promise<void> {
  await verifyStatement(subject.rawJwt!, vouched, { iss: subject.sub, sub: subject.sub }, `entity configuration of ${subject.sub} with the keys its superior lists`);
}

type Policy = Record<string, Record<string, unknown>>;

/** Applies one metadata policy (OpenID Federation 1.0, section 6.1) to one metadata object. */
export function applyMetadataPolicy(metadata: Record<string, unknown>, policy: Policy | undefined): Record<string, unknown> {
  if (!policy) return metadata;
  const out: Record<string, unknown> = { ...metadata };
  for (const [claim, operators] of Object.entries(policy)) {
    let value = out[claim];
    const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
    if ("value" in operators) value = operators.value;
    if ("add" in operators && value !== undefined) value = [...new Set([...asList(value), ...asList(operators.add)])];
    if ("add" in operators && value === undefined) value = asList(operators.add);
    if ("default" in operators && value === undefined) value = operators.default;
    if ("one_of" in operators && value !== undefined && !asList(operators.one_of).includes(value)) {
      throw new SignInProblem("invalid_chain", `metadata ${claim}=${JSON.stringify(value)} is not one_of the policy`);
    }
    if ("subset_of" in operators && value !== undefined) {
      const allowed = asList(operators.subset_of);
      value = asList(value).filter((item) => allowed.includes(item));
      if ((value as unknown[]).length === 0) value = undefined;
    }
    if ("superset_of" in operators && value !== undefined) {
      const list = asList(value);
      if (!asList(operators.superset_of).every((item) => list.includes(item))) {
        throw new SignInProblem("invalid_chain", `metadata ${claim} is not a superset_of the policy`);
      }
    }
    if (operators.essential === true && value === undefined) throw new SignInProblem("invalid_chain", `metadata ${claim} is essential but missing`);
    if (value === undefined) delete out[claim];
    else out[claim] = value;
  }
  return out;
}

/** Verifies the leaf's trust marks against the trust anchor; returns the types of the valid ones. */
async function verifyTrustMarks(leaf: EntityStatement, anchor: EntityStatement, now: number): Promise<string[]> {
  const valid: string[] = [];
  for (const mark of leaf.trust_marks ?? []) {
    try {
      const header = decodeProtectedHeader(mark.trust_mark);
      const claims = decodeJwt(mark.trust_mark);
      const issuer = String(claims.iss ?? "");
      const type = String(claims.trust_mark_type ?? claims.id ?? "");
      const allowedIssuers = anchor.trust_mark_issuers?.[type];
      // The trust anchor issues marks itself or names who may; a mark from anyone else does not count.
      if (issuer !== anchor.sub && !(allowedIssuers ?? []).includes(issuer)) continue;
      const issuerKeys = issuer === anchor.sub ? anchor.jwks : (await fetchEntityConfiguration(issuer)).jwks;
      if (header.typ !== TRUST_MARK_TYPE) continue;
      await jwtVerify(mark.trust_mark, createLocalJWKSet(issuerKeys), { issuer, subject: leaf.sub, currentDate: new Date(now * 1000), requiredClaims: ["iat"] });
      valid.push(type);
    } catch {
      // An invalid or expired mark is simply not counted.
    }
  }
  return valid;
}

/**
 * Resolves the trust chain of an entity to one of the trust anchors and
 * returns its metadata of the given type with every superior's policy
 * applied. Throws SignInProblem("invalid_chain") when no chain holds.
 */
export async function resolveTrustChain(entityId: string, trustAnchors: string[], metadataType: string, now = Math.floor(Date.now() / 1000)): Promise<TrustChain> {
  const leaf = await fetchEntityConfiguration(entityId);
  const failures: string[] = [];

  async function climb(subject: EntityStatement, chain: EntityStatement[], depth: number): Promise<TrustChain | null> {
    if (depth > MAX_CHAIN_LENGTH) return null;
    for (const hint of subject.authority_hints ?? []) {
      try {
        const superior = await fetchEntityConfiguration(hint);
        const statement = await fetchSubordinateStatement(superior, subject.sub);
        await assertSignedWithVouchedKey(subject, statement.jwks);
        const next = [...chain, statement];
        if (trustAnchors.includes(superior.sub)) return finish(next, superior);
        const found = await climb(superior, next, depth + 1);
        if (found) return found;
      } catch (error) {
        failures.push(error instanceof SignInProblem ? error.detail : (error as Error).message);
        if (error instanceof SignInProblem && error.code === "provider_unreachable" && trustAnchors.includes(hint)) throw error;
      }
    }
    return null;
  }

  async function finish(statements: EntityStatement[], anchor: EntityStatement): Promise<TrustChain> {
    let metadata = (leaf.metadata?.[metadataType] ?? null) as Record<string, unknown> | null;
    if (!metadata) throw new SignInProblem("invalid_chain", `${entityId} has no ${metadataType} metadata`);
    // Policies apply from the trust anchor down; a superior's own `metadata` in its statement overrides first.
    for (const statement of [...statements].reverse()) {
      const override = statement.metadata?.[metadataType];
      if (override) metadata = { ...metadata, ...override };
      metadata = applyMetadataPolicy(metadata, statement.metadata_policy?.[metadataType]);
    }
    const trustMarks = await verifyTrustMarks(leaf, anchor, now);
    if (trustMarks.length === 0) throw new SignInProblem("invalid_chain", `${entityId} has no valid trust mark recognised by ${anchor.sub}`);
    const expiresAt = Math.min(leaf.exp, anchor.exp, ...statements.map((s) => s.exp));
    return { metadata, trustAnchor: anchor.sub, expiresAt, trustMarks };
  }

  if (trustAnchors.includes(leaf.sub)) throw new SignInProblem("invalid_chain", `${entityId} is a trust anchor, not a provider`);
  const chain = await climb(leaf, [], 1);
  if (!chain) throw new SignInProblem("invalid_chain", `no trust chain from ${entityId} to ${trustAnchors.join(", ")}: ${failures.join("; ") || "no authority_hints"}`);
  return chain;
}

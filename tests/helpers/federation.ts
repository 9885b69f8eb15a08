/**
 * A small trust anchor of an OpenID Federation, for tests: it publishes its
 * entity configuration at /.well-known/openid-federation, signs subordinate
 * statements (served by its fetch endpoint) for the entities registered with
 * it, and issues trust marks, all with jose. Faults on demand: a tampered
 * statement about one entity.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from "jose";

export const ENTITY_STATEMENT_CONTENT_TYPE = "application/entity-statement+jwt";
/** The trust mark type the anchor issues to identity providers (in the style of the SPID/CIE federation's). */
export const PROVIDER_TRUST_MARK = "https://registry.aggrega.test/openid_provider/public";

export interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }, kid };
}

/** Signs an entity statement (an entity configuration when iss = sub). */
export function signStatement(key: SigningKey, claims: Record<string, unknown> & { iss: string; sub: string }, lifetimeSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + lifetimeSeconds, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "entity-statement+jwt" })
    .sign(key.privateKey);
}

/** Breaks a JWT's signature while keeping its form (one character of the signature changed). */
export function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split(".");
  const payloadJson = JSON.parse(Buffer.from(payload!, "base64url").toString());
  payloadJson.tampered = true;
  return `${header}.${Buffer.from(JSON.stringify(payloadJson)).toString("base64url")}.${signature}`;
}

export async function serve(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Subordinate {
  jwks: JSONWebKeySet;
  metadataPolicy?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface TrustAnchor {
  entityId: string;
  key: SigningKey;
  /** Registers (onboards) an entity: its federation keys and an optional metadata policy. */
  register(entityId: string, subordinate: Subordinate): void;
  unregister(entityId: string): void;
  /** A trust mark for an entity, signed by the anchor; `expired` makes one whose exp has passed. */
  trustMark(sub: string, options?: { expired?: boolean; type?: string }): Promise<string>;
  /** Entities whose subordinate statement is served tampered. */
  tampered: Set<string>;
  close(): Promise<void>;
}

export async function startTrustAnchor(): Promise<TrustAnchor> {
  const key = await newSigningKey("ta-1");
  const subordinates = new Map<string, Subordinate>();
  const tampered = new Set<string>();
  let entityId = "";
  const { server, url } = await serve(async (req, res) => {
    const requested = new URL(req.url ?? "/", entityId);
    const send = (status: number, body: string, type = ENTITY_STATEMENT_CONTENT_TYPE) => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (requested.pathname === "/.well-known/openid-federation") {
      return send(
        200,
        await signStatement(key, {
          iss: entityId,
          sub: entityId,
          jwks: { keys: [key.publicJwk] },
          metadata: {
            federation_entity: { organization_name: "Trust anchor di prova", federation_fetch_endpoint: `${entityId}/fetch`, homepage_uri: entityId },
          },
          trust_mark_issuers: { [PROVIDER_TRUST_MARK]: [entityId] },
        }),
      );
    }
    if (requested.pathname === "/fetch") {
      const sub = requested.searchParams.get("sub") ?? "";
      const subordinate = subordinates.get(sub);
      if (!subordinate) return send(404, JSON.stringify({ error: "not_found", error_description: "unknown subject" }), "application/json");
      const statement = await signStatement(key, {
        iss: entityId,
        sub,
        jwks: subordinate.jwks,
        ...(subordinate.metadataPolicy ? { metadata_policy: subordinate.metadataPolicy } : {}),
      });
      return send(200, tampered.has(sub) ? tamper(statement) : statement);
    }
    send(404, "not found", "text/plain");
  });
  entityId = url;
  return {
    entityId,
    key,
    register: (id, subordinate) => void subordinates.set(id.replace(/\/+$/, ""), subordinate),
    unregister: (id) => void subordinates.delete(id.replace(/\/+$/, "")),
    async trustMark(sub, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const type = options.type ?? PROVIDER_TRUST_MARK;
      return new SignJWT({ iss: entityId, sub, trust_mark_type: type, id: type, iat: now - (options.expired ? 7200 : 0), exp: options.expired ? now - 3600 : now + 3600 })
        .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "trust-mark+jwt" })
        .sign(key.privateKey);
    },
    tampered,
    close: () => close(server),
  };
}

/**
 * A real OpenID provider on loopback for the SPID/CIE tests: `oidc-provider`
 * (OpenID Certified) with the SPID/CIE OIDC profile — signed request objects
 * required, PKCE required, private_key_jwt at the token endpoint, userinfo
 * signed then encrypted, acr values of the profile, the SPID claims — plus
 * what a federation provider adds: its entity configuration with the trust
 * anchor's trust mark, and automatic client registration, where the client
 * is found by resolving its trust chain to the trust anchor.
 *
 * oidc-provider leaves at_hash out of ID tokens from the token endpoint
 * (optional in OIDC Core for the code flow); the SPID/CIE profile requires
 * it, so a middleware adds it and re-signs the ID token with the provider's
 * own key. `idTokenRewrite` lets a test change that ID token (drop or break
 * at_hash) before it is signed.
 */
import { createHash } from "node:crypto";
import type http from "node:http";
import Provider from "oidc-provider";
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from "jose";
import { close, newSigningKey, serve, signStatement, tamper, type TrustAnchor } from "./federation";

export const FISCAL_NUMBER = "https://attributes.eid.gov.it/fiscal_number";
export const SPID_ACRS = ["https://www.spid.gov.it/SpidL1", "https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3"];
/** CIE id uses the same acr URIs as SPID (SPID/CIE OIDC technical rules). */
export const CIE_ACRS = SPID_ACRS;

export interface TestPerson {
  given_name: string;
  family_name: string;
  email: string;
  [FISCAL_NUMBER]: string;
}

export interface IdentityProviderPeer {
  entityId: string;
  name: string;
  /** The acr the provider asserts; by default the one requested. `null` leaves acr out. */
  assertAcr: ((requested: string | undefined) => string | null) | undefined;
  /** Changes the ID token's claims before it is signed (at_hash included). */
  idTokenRewrite: ((claims: JWTPayload) => JWTPayload) | undefined;
  /** Serve the entity configuration with a broken signature. */
  tamperEntityConfiguration: boolean;
  /** Which trust mark to publish: a valid one, an expired one, none. */
  trustMark: "valid" | "expired" | "none";
  federationJwks: JSONWebKeySet;
  close(): Promise<void>;
}

const RP_METADATA_FIELDS = [
  "redirect_uris",
  "jwks",
  "token_endpoint_auth_method",
  "token_endpoint_auth_signing_alg",
  "request_object_signing_alg",
  "id_token_signed_response_alg",
  "userinfo_signed_response_alg",
  "userinfo_encrypted_response_alg",
  "userinfo_encrypted_response_enc",
  "grant_types",
  "response_types",
  "application_type",
  "client_name",
];

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/** Automatic registration: the client's metadata, believed only through its trust chain to the anchor. */
async function resolveClient(clientId: string, anchor: TrustAnchor): Promise<Record<string, unknown> | undefined> {
  try {
    const configuration = await fetchText(`${clientId}/.well-known/openid-federation`);
    const statement = await fetchText(`${anchor.entityId}/fetch?sub=${encodeURIComponent(clientId)}`);
    const vouched = await jwtVerify(statement, createLocalJWKSet({ keys: [anchor.key.publicJwk] }), { issuer: anchor.entityId, subject: clientId });
    const { payload } = await jwtVerify(configuration, createLocalJWKSet(vouched.payload.jwks as JSONWebKeySet), { issuer: clientId, subject: clientId });
    const rp = (payload.metadata as Record<string, Record<string, unknown>>).openid_relying_party!;
    const client: Record<string, unknown> = { client_id: clientId };
    for (const field of RP_METADATA_FIELDS) if (rp[field] !== undefined) client[field] = rp[field];
    return client;
  } catch {
    return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

export async function startIdentityProvider(options: { anchor: TrustAnchor; name: string; acrValues: string[]; people: Record<string, TestPerson> }): Promise<IdentityProviderPeer> {
  const federationKey = await newSigningKey("op-federation-1");
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingJwk = { ...(await exportJWK(privateKey)), kid: "op-signing-1", alg: "RS256", use: "sig" };
  const signingPublicJwk = { ...(await exportJWK(publicKey)), kid: "op-signing-1", alg: "RS256", use: "sig" };
  const storage = new Map<string, { payload: Record<string, unknown>; expiresAt: number | null }>();
  let provider: any;

  class Adapter {
    constructor(readonly model: string) {}
    key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      storage.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
      if (payload.uid) storage.set(`uid:${payload.uid}`, { payload: { id }, expiresAt: null });
      if (payload.grantId) {
        const list = (storage.get(`grant:${payload.grantId}`)?.payload.keys as string[]) ?? [];
        storage.set(`grant:${payload.grantId}`, { payload: { keys: [...list, this.key(id)] }, expiresAt: null });
      }
    }
    async find(id: string) {
      if (this.model === "Client") return resolveClient(id, options.anchor);
      const entry = storage.get(this.key(id));
      if (!entry || (entry.expiresAt !== null && entry.expiresAt < Date.now())) return undefined;
      return entry.payload;
    }
    async findByUid(uid: string) {
      const ref = storage.get(`uid:${uid}`);
      return ref ? this.find(ref.payload.id as string) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const entry = storage.get(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      storage.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const key of (storage.get(`grant:${grantId}`)?.payload.keys as string[]) ?? []) storage.delete(key);
      storage.delete(`grant:${grantId}`);
    }
  }

  const peer: IdentityProviderPeer = {
    entityId: "",
    name: options.name,
    assertAcr: undefined,
    idTokenRewrite: undefined,
    tamperEntityConfiguration: false,
    trustMark: "valid",
    federationJwks: { keys: [federationKey.publicJwk] },
    close: async () => {},
  };

  const { server, url } = await serve(async (req, res) => {
    const path = new URL(req.url ?? "/", url).pathname;
    try {
      if (path === "/.well-known/openid-federation") {
        const discovery = JSON.parse(await fetchText(`${url}/.well-known/openid-configuration`));
        const marks = peer.trustMark === "none" ? [] : [{ id: "https://registry.aggrega.test/openid_provider/public", trust_mark: await options.anchor.trustMark(url, { expired: peer.trustMark === "expired" }) }];
        const configuration = await signStatement(federationKey, {
          iss: url,
          sub: url,
          jwks: peer.federationJwks,
          authority_hints: [options.anchor.entityId],
          metadata: {
            federation_entity: { organization_name: options.name, homepage_uri: url },
            openid_provider: { ...discovery, jwks: { keys: [signingPublicJwk] }, client_registration_types_supported: ["automatic"] },
          },
          trust_marks: marks,
        });
        res.writeHead(200, { "content-type": "application/entity-statement+jwt" });
        return res.end(peer.tamperEntityConfiguration ? tamper(configuration) : configuration);
      }
      const interaction = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/.exec(path);
      if (interaction) return await handleInteraction(req, res, interaction[2]);
      provider.callback()(req, res);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });

  async function handleInteraction(req: http.IncomingMessage, res: http.ServerResponse, action: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    const html = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(body);
    };
    if (req.method === "GET") {
      const abort = `<form method="post" action="/interaction/${uid}/abort"><button type="submit">Annulla</button></form>`;
      if (prompt.name === "login") {
        return html(200, page(`${options.name}: accedi`, `<form method="post" action="/interaction/${uid}/login"><label for="login">Nome utente</label> <input id="login" name="login" autocomplete="username"> <button type="submit">Entra</button></form>${abort}`));
      }
      return html(200, page(`${options.name}: autorizza`, `<p>Il servizio ${escapeHtml(String(params.client_id))} chiede i tuoi dati: nome, cognome, email e codice fiscale.</p><form method="post" action="/interaction/${uid}/consent"><button type="submit">Autorizza</button></form>${abort}`));
    }
    const body = await readBody(req);
    if (action === "abort") {
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "the person cancelled" }, { mergeWithLastSubmission: false });
    }
    if (action === "login") {
      const login = body.get("login") ?? "";
      if (!options.people[login]) return html(200, page(`${options.name}: accedi`, `<p>Nome utente sconosciuto.</p>`));
      const requested = typeof params.acr_values === "string" ? params.acr_values.split(" ")[0] : undefined;
      const acr = peer.assertAcr ? peer.assertAcr(requested) : requested;
      return provider.interactionFinished(req, res, { login: { accountId: login, ...(acr ? { acr } : {}), amr: ["pwd"] } }, { mergeWithLastSubmission: false });
    }
    const { accountId } = details.session;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries((prompt.details.missingResourceScopes ?? {}) as Record<string, string[]>)) grant.addResourceScope(indicator, scopes.join(" "));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  provider = new Provider(url, {
    adapter: Adapter,
    clients: [],
    jwks: { keys: [signingJwk] },
    acrValues: options.acrValues,
    scopes: ["openid", "profile", "email"],
    claims: { openid: ["sub"], profile: ["given_name", "family_name", FISCAL_NUMBER], email: ["email"] },
    cookies: { keys: ["aggrega-test-provider-cookies"] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    clientDefaults: { token_endpoint_auth_method: "private_key_jwt", grant_types: ["authorization_code"], response_types: ["code"] },
    features: {
      devInteractions: { enabled: false },
      requestObjects: { enabled: true, requireSignedRequestObject: true },
      claimsParameter: { enabled: true },
      jwtUserinfo: { enabled: true },
      encryption: { enabled: true },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, id: string) {
      const person = options.people[id];
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
    async renderError(ctx: any, out: Record<string, string>) {
      ctx.type = "html";
      ctx.body = page("Errore del provider", `<p>${escapeHtml(out.error ?? "")}: ${escapeHtml(out.error_description ?? "")}</p>`);
    },
  });
  // The SPID/CIE profile's at_hash: added to the token endpoint's ID token, signed again with the provider's key.
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (ctx.oidc?.route !== "token" || !ctx.body?.id_token || !ctx.body?.access_token) return;
    const digest = createHash("sha256").update(ctx.body.access_token).digest();
    let claims: JWTPayload = { ...decodeJwt(ctx.body.id_token), at_hash: digest.subarray(0, 16).toString("base64url") };
    if (peer.idTokenRewrite) claims = peer.idTokenRewrite(claims);
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: signingJwk.kid, typ: "JWT" }).sign(privateKey) };
  });

  options.anchor.register(url, { jwks: peer.federationJwks });
  peer.entityId = url;
  peer.close = () => close(server);
  return peer;
}

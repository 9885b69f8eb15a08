/**
 * The SPID/CIE test federation in one call: a trust anchor, a SPID provider
 * and a CIE provider, each a real server on loopback, plus a browser-less
 * walk through a provider's login and consent pages (a cookie jar and
 * redirects followed by hand) for the tests over HTTP.
 */
import { SPID_ACRS, CIE_ACRS, FISCAL_NUMBER, startIdentityProvider, type IdentityProviderPeer, type TestPerson } from "./identity-provider";
import { startTrustAnchor, type TrustAnchor } from "./federation";

export const MARIO: TestPerson = { given_name: "Mario", family_name: "Rossi", email: "mario.rossi@prova.example.it", [FISCAL_NUMBER]: "TINIT-RSSMRA80A01H501U" };
export const GIULIA: TestPerson = { given_name: "Giulia", family_name: "Bianchi", email: "giulia.bianchi@prova.example.it", [FISCAL_NUMBER]: "TINIT-BNCGLI85M41F205X" };
export const ANNA: TestPerson = { given_name: "Anna", family_name: "Verdi", email: "anna.verdi@prova.example.it", [FISCAL_NUMBER]: "TINIT-VRDNNA90C45L219K" };

export interface TestFederation {
  anchor: TrustAnchor;
  spid: IdentityProviderPeer;
  cie: IdentityProviderPeer;
  /** The site settings that point at this federation. */
  env: Record<string, string>;
  /** Onboards a relying party with the trust anchor, reading its keys from its entity configuration. */
  onboard(entityId: string): Promise<void>;
  close(): Promise<void>;
}

export const LUCA: TestPerson = { given_name: "Luca", family_name: "Neri", email: "luca.neri@prova.example.it", [FISCAL_NUMBER]: "TINIT-LCUNRI75D12H501Z" };

const PEOPLE = { mario: MARIO, giulia: GIULIA, anna: ANNA, luca: LUCA };

export async function startTestFederation(): Promise<TestFederation> {
  const anchor = await startTrustAnchor();
  const spid = await startIdentityProvider({ anchor, name: "SPID di prova", acrValues: SPID_ACRS, people: PEOPLE });
  const cie = await startIdentityProvider({ anchor, name: "CIE di prova", acrValues: CIE_ACRS, people: PEOPLE });
  return {
    anchor,
    spid,
    cie,
    env: { IDENTITY_TRUST_ANCHORS: anchor.entityId, SPID_PROVIDERS: `${spid.entityId}|SPID di prova`, CIE_PROVIDER: `${cie.entityId}|CIE di prova` },
    async onboard(entityId) {
      const response = await fetch(`${entityId}/.well-known/openid-federation`);
      const jwt = await response.text();
      const payload = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
      anchor.register(entityId, { jwks: payload.jwks });
    },
    async close() {
      await spid.close();
      await cie.close();
      await anchor.close();
    },
  };
}

/** A minimal cookie jar, per host. */
export class CookieJar {
  private readonly cookies = new Map<string, Map<string, string>>();
  header(url: string): string {
    return [...(this.cookies.get(new URL(url).host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(host, jar);
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    this.store(url, response);
    return response;
  }
}

/**
 * Follows redirects from `url` through the provider's pages — login as
 * `login`, then consent (or cancel) — and stops at the first address outside
 * the provider, which it returns without fetching it.
 */
export async function walkProvider(jar: CookieJar, url: string, provider: IdentityProviderPeer, options: { login: string; cancel?: boolean }): Promise<string> {
  let next = url;
  for (let step = 0; step < 20; step++) {
    if (!next.startsWith(provider.entityId)) return next;
    const response = await jar.fetch(next);
    if (response.status >= 300 && response.status < 400) {
      next = new URL(response.headers.get("location")!, next).toString();
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status} at ${next}: ${html}`);
    const uid = /\/interaction\/([\w-]+)\/(login|consent)/.exec(html);
    if (!uid) throw new Error(`no interaction form at ${next}: ${html}`);
    const action = options.cancel ? "abort" : uid[2]!;
    const body = action === "login" ? new URLSearchParams({ login: options.login }) : new URLSearchParams();
    const posted = await jar.fetch(`${provider.entityId}/interaction/${uid[1]}/${action}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    if (posted.status < 300 || posted.status >= 400) throw new Error(`provider answered ${posted.status} to ${action}: ${await posted.text()}`);
    next = new URL(posted.headers.get("location")!, next).toString();
  }
  throw new Error("too many redirects at the provider");
}

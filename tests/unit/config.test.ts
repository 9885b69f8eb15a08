import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, UNREGISTERED_OCDS_PREFIX } from "@/config";

describe("parseConfig", () => {
  it("uses the embedded defaults and resolves file paths against the root", () => {
    const cfg = parseConfig({}, "/srv/aggrega");
    expect(cfg.databaseUrl).toBe("file:/srv/aggrega/data/aggrega.db");
    expect(cfg.PORT).toBe(4321);
    expect(cfg.siteUrl).toBe("http://localhost:4321");
    expect(cfg.outboxDir).toBe("/srv/aggrega/data/outbox");
    expect(cfg.isLocalSite).toBe(true);
  });

  it("marks the OCDS prefix as unregistered unless OCDS_PREFIX sets one", () => {
    expect(parseConfig({}, "/srv")).toMatchObject({ ocdsPrefix: UNREGISTERED_OCDS_PREFIX, ocdsPrefixRegistered: false });
    expect(UNREGISTERED_OCDS_PREFIX).toContain("nonregistrato");
    expect(parseConfig({ OCDS_PREFIX: "ocds-a1b2c3" }, "/srv")).toMatchObject({ ocdsPrefix: "ocds-a1b2c3", ocdsPrefixRegistered: true });
  });

  it("accepts a libSQL server URL unchanged", () => {
    const cfg = parseConfig({ DATABASE_URL: "libsql://db.example.org", DATABASE_AUTH_TOKEN: "t" }, "/srv");
    expect(cfg.databaseUrl).toBe("libsql://db.example.org");
  });

  it("leaves SPID/CIE off unless trust anchors are configured, and reads the providers and levels", () => {
    expect(parseConfig({}, "/srv").identity).toBeNull();
    const cfg = parseConfig(
      { IDENTITY_TRUST_ANCHORS: "https://ta.example/, https://ta2.example", SPID_PROVIDERS: "https://idp.example/|Gestore di prova, https://idp2.example", CIE_PROVIDER: "https://cie.example", SPID_ACR: "SpidL3", CIE_ACR: "CieL3" },
      "/srv",
    );
    expect(cfg.identity).toEqual({
      trustAnchors: ["https://ta.example", "https://ta2.example"],
      authorityHints: ["https://ta.example", "https://ta2.example"],
      spidProviders: [
        { entityId: "https://idp.example", name: "Gestore di prova" },
        { entityId: "https://idp2.example", name: null },
      ],
      cieProvider: { entityId: "https://cie.example", name: null },
      trustMarks: [],
      spidAcr: "https://www.spid.gov.it/SpidL3",
      cieAcr: "https://www.spid.gov.it/SpidL3",
    });
  });

  it("reads FEDERATION_PEERS as a list of base URLs, without trailing slashes or repeats", () => {
    expect(parseConfig({}, "/srv").FEDERATION_PEERS).toEqual([]);
    const cfg = parseConfig({ FEDERATION_PEERS: " https://aggrega.regione.it/ , http://127.0.0.1:4322,https://aggrega.regione.it,, " }, "/srv");
    expect(cfg.FEDERATION_PEERS).toEqual(["https://aggrega.regione.it", "http://127.0.0.1:4322"]);
    expect(cfg.FEDERATION_POLL_MS).toBe(900_000);
  });

  it("treats empty variables as unset", () => {
    expect(parseConfig({ SMTP_URL: "", PORT: "" }, "/srv").PORT).toBe(4321);
  });

  it.each([
    [{ DATABASE_URL: "postgres://x" }, /^Configurazione non valida: DATABASE_URL deve essere un URL libSQL/],
    [{ PORT: "abc" }, /^Configurazione non valida: PORT deve essere un numero di porta/],
    [{ PORT: "70000" }, /^Configurazione non valida: PORT deve essere compreso tra 1 e 65535/],
    [{ SMTP_URL: "mail.example.org" }, /^Configurazione non valida: SMTP_URL deve iniziare con smtp:\/\//],
    [{ SITE_URL: "ftp://x" }, /^Configurazione non valida: SITE_URL deve essere un URL http\(s\) completo/],
    [{ OCDS_PREFIX: "ocds-ABC123" }, /^Configurazione non valida: OCDS_PREFIX deve essere un prefisso OCDS registrato/],
    [{ OCDS_PREFIX: "ocds-abc1234" }, /^Configurazione non valida: OCDS_PREFIX deve essere un prefisso OCDS registrato/],
    [{ IDENTITY_TRUST_ANCHORS: "registry.spid.gov.it" }, /^Configurazione non valida: IDENTITY_TRUST_ANCHORS deve essere un elenco di URL http\(s\) separati da virgole/],
    [{ IDENTITY_TRUST_ANCHORS: "https://ta.example", SPID_PROVIDERS: "idp.example|Prova" }, /^Configurazione non valida: SPID_PROVIDERS deve essere un elenco separato da virgole di URL http\(s\)/],
    [{ SPID_PROVIDERS: "https://idp.example" }, /^Configurazione non valida: SPID_PROVIDERS e CIE_PROVIDER richiedono IDENTITY_TRUST_ANCHORS/],
    [{ IDENTITY_TRUST_ANCHORS: "https://ta.example", CIE_PROVIDER: "https://a.example,https://b.example" }, /^Configurazione non valida: CIE_PROVIDER deve indicare un solo provider/],
    [{ IDENTITY_TRUST_ANCHORS: "https://ta.example", IDENTITY_TRUST_MARKS: "non-un-jwt" }, /^Configurazione non valida: IDENTITY_TRUST_MARKS deve essere un elenco separato da virgole di trust mark/],
    [
      { IDENTITY_TRUST_ANCHORS: "https://ta.example", SITE_URL: "https://aggrega.example.it", IDENTITY_TRUST_MARKS: `e30.${Buffer.from(JSON.stringify({ id: "https://ta.example/openid_relying_party/public", sub: "https://altro.example.it" })).toString("base64url")}.c2ln` },
      /^Configurazione non valida: IDENTITY_TRUST_MARKS contiene un trust mark rilasciato a https:\/\/altro.example.it, non a SITE_URL/,
    ],
    [{ SPID_ACR: "L2" }, /^Configurazione non valida: SPID_ACR deve essere SpidL1, SpidL2 oppure SpidL3/],
    [{ CIE_ACR: "SpidL2" }, /^Configurazione non valida: CIE_ACR deve essere CieL1, CieL2 oppure CieL3/],
    [{ FEDERATION_PEERS: "https://a.it ftp://b.it" }, /^Configurazione non valida: FEDERATION_PEERS contiene «https:\/\/a.it ftp:\/\/b.it», che non è un indirizzo web completo/],
    [{ FEDERATION_PEERS: "https://a.it,ftp://b.it" }, /^Configurazione non valida: FEDERATION_PEERS contiene «ftp:\/\/b.it», che non inizia con http:\/\/ o https:\/\//],
    [{ FEDERATION_PEERS: "https://utente:segreto@a.it" }, /^Configurazione non valida: FEDERATION_PEERS contiene .*credenziali/],
    [{ FEDERATION_PEERS: "https://a.it/?x=1" }, /^Configurazione non valida: FEDERATION_PEERS contiene .*parametri o un frammento/],
    [{ FEDERATION_POLL_MS: "10" }, /^Configurazione non valida: FEDERATION_POLL_MS deve essere almeno 1000/],
  ])("rejects %o with one line naming the variable", (env, message) => {
    expect(() => parseConfig(env, "/srv")).toThrow(ConfigError);
    try {
      parseConfig(env, "/srv");
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    }
  });
});

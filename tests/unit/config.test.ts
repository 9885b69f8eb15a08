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

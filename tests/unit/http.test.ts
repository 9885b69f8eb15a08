/** The pure helpers behind the hardening: address buckets, mailbox keys, cache keys, control characters, proxy trust. */
import type http from "node:http";
import { describe, expect, it } from "vitest";
import { recipientKey } from "@/accounts/rate-limit";
import { bodyLimitFor, clientAddress, MAX_BODY_BYTES } from "@/lib/front-door";
import { addressBucket, withoutControlCharacters } from "@/lib/http";
import { cacheKey } from "@/lib/microcache";
import { MAX_FORM_BYTES } from "@/lib/upload-limit";

describe("address buckets for rate limits", () => {
  it("counts an IPv6 sender by its /64, whatever its spelling", () => {
    const bucket = "2001:db8:1:2::/64";
    for (const address of ["2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:DB8:1:2:a:b:c:d", "[2001:db8:1:2::9]", "2001:db8:1:2::5%eth0"]) {
      expect(addressBucket(address), address).toBe(bucket);
    }
    expect(addressBucket("2001:db8:1:3::1")).not.toBe(bucket);
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
  });

  it("keeps IPv4 as is, and IPv4-mapped IPv6 as IPv4", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });
});

describe("mailbox keys for per-recipient caps", () => {
  it("folds case, +tags and Gmail dots", () => {
    expect(recipientKey("Nome.Cognome+prova@Gmail.COM")).toBe("nomecognome@gmail.com");
    expect(recipientKey("nome.cognome@googlemail.com")).toBe("nomecognome@gmail.com");
    expect(recipientKey("Ufficio.Gare+x@Comune.Example.it")).toBe("ufficio.gare@comune.example.it");
  });
});

describe("micro-cache keys", () => {
  it("keeps known parameters only, sorted, without duplicates", () => {
    expect(cacheKey("/convenzioni?pagina=2&q=pulizia")).toBe(cacheKey("/convenzioni?q=pulizia&pagina=2&utm_source=x&zz=1"));
    expect(cacheKey("/convenzioni?q=a&q=a")).toBe("/convenzioni?q=a");
    expect(cacheKey("/convenzioni?nonesiste=1")).toBe("/convenzioni");
    expect(cacheKey("/sala-stampa/uno?salvato")).toBe("/sala-stampa/uno?salvato=");
    expect(cacheKey("/convenzioni?q=a")).not.toBe(cacheKey("/convenzioni?q=b"));
  });
});

describe("control characters in output", () => {
  it("replaces them on one-line values and keeps line breaks when asked", () => {
    expect(withoutControlCharacters("a\rb\u0001c\u007fd")).toBe("a b c d");
    expect(withoutControlCharacters("uno\ndue\u0002", true)).toBe("uno\ndue");
    expect(withoutControlCharacters("rotto \ud800 fine")).toBe("rotto  fine");
    expect(withoutControlCharacters("città 😀")).toBe("città 😀");
  });
});

describe("front door", () => {
  const request = (remote: string, forwarded?: string) => ({ socket: { remoteAddress: remote }, headers: forwarded ? { "x-forwarded-for": forwarded } : {} }) as unknown as http.IncomingMessage;

  it("trusts X-Forwarded-For only as far as TRUST_PROXY says", () => {
    expect(clientAddress(request("127.0.0.1", "198.51.100.9"), 0)).toBe("127.0.0.1");
    expect(clientAddress(request("127.0.0.1", "6.6.6.6, 198.51.100.9"), 1)).toBe("198.51.100.9");
    expect(clientAddress(request("127.0.0.1", "6.6.6.6, 198.51.100.9, 10.0.0.2"), 2)).toBe("198.51.100.9");
    expect(clientAddress(request("127.0.0.1"), 1)).toBe("127.0.0.1");
  });

  it("gives only the attachment upload routes the larger body limit", () => {
    expect(bodyLimitFor("/accessibilita/segnala")).toBe(MAX_BODY_BYTES);
    expect(bodyLimitFor("/gestione/comunicati/nuovo")).toBe(MAX_FORM_BYTES);
    expect(bodyLimitFor("/gestione/comunicati/42")).toBe(MAX_FORM_BYTES);
    expect(bodyLimitFor("/gestione/comunicati/42/elimina")).toBe(MAX_BODY_BYTES);
    expect(bodyLimitFor("/gestione/comunicati/anteprima")).toBe(MAX_BODY_BYTES);
    expect(bodyLimitFor("/gestione/catalogo/importa")).toBe(MAX_FORM_BYTES);
    expect(bodyLimitFor("/gestione/catalogo/importa/3")).toBe(MAX_BODY_BYTES);
  });
});

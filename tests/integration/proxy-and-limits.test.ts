/**
 * The site as deployed: behind a real TLS-terminating nginx on loopback (or,
 * when nginx cannot be installed, raw requests shaped exactly like its), and
 * facing oversized bodies, broken URLs and caches that must not keep personal pages.
 */
import http from "node:http";
import net from "node:net";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAs } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { ensureNginx, proxiedRequest, proxyPort, startNginx, type ProxiedReply, type RunningProxy } from "../helpers/nginx";
import { recordFigure } from "../helpers/figures";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

const report = (email: string) =>
  new URLSearchParams({ email, description: "Il menu principale non si apre con la tastiera." }).toString();

/** Resident memory of a process in bytes, from /proc. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Sends a request with a body of `size` bytes (declared or chunked) and reads the reply, even if the server closes early. */
function sendBody(baseUrl: string, pathname: string, size: number, options: { chunked?: boolean; declaredOnly?: boolean; cookie?: string } = {}): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    };
    // A refused body is never read: the answer arrives while the client is still sending, so a whole page is enough.
    socket.on("data", (c) => {
      chunks.push(c);
      if (/<\/html>/.test(Buffer.concat(chunks).toString("utf8"))) {
        done();
        socket.destroy();
      }
    });
    socket.on("error", () => {});
    socket.on("close", done);
    const length = `${options.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${size}`}${options.cookie ? `\r\nCookie: ${options.cookie}` : ""}`;
    socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${baseUrl}\r\nContent-Type: application/x-www-form-urlencoded\r\n${length}\r\nConnection: close\r\n\r\n`);
    if (options.declaredOnly) return;
    const piece = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < size && !socket.destroyed) {
        const part = piece.subarray(0, Math.min(piece.length, size - sent));
        sent += part.length;
        const ok = socket.write(options.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]) : part);
        if (!ok) return void socket.once("drain", pump);
      }
      if (options.chunked && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    pump();
  });
}

describe("behind a TLS-terminating reverse proxy", () => {
  let site: RunningSite;
  let proxy: RunningProxy | undefined;
  let publicOrigin: string;
  /** Through nginx when it is available, else a raw request with the headers nginx would add. */
  let send: (method: string, pathname: string, body?: string, headers?: Record<string, string>) => Promise<ProxiedReply>;

  beforeAll(async () => {
    const withNginx = ensureNginx();
    const port = await proxyPort();
    publicOrigin = `https://aggrega.test:${port}`;
    site = await startSite({ SITE_URL: publicOrigin, TRUST_PROXY: "1" });
    if (withNginx) {
      proxy = await startNginx(Number(new URL(site.baseUrl).port), port);
      send = (method, pathname, body, headers = {}) => proxiedRequest(proxy!, method, pathname, body, headers);
    } else {
      const upstream = new URL(site.baseUrl);
      send = (method, pathname, body, headers = {}) =>
        new Promise((resolve, reject) => {
          const forwarded = headers["X-Forwarded-For"] ? `${headers["X-Forwarded-For"]}, 127.0.0.1` : "127.0.0.1";
          const request = http.request(
            {
              host: upstream.hostname,
              port: upstream.port,
              method,
              path: pathname,
              headers: { ...headers, Host: `aggrega.test:${port}`, "X-Forwarded-Proto": "https", "X-Forwarded-For": forwarded, ...(body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }) },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on("data", (c) => chunks.push(c));
              response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
            },
          );
          request.on("error", reject);
          if (body !== undefined) request.write(body);
          request.end();
        });
    }
    recordFigure("reverse-proxy", { nginx: withNginx });
  }, 240_000);
  afterAll(async () => {
    await proxy?.stop();
    await site?.stop();
  });

  const form = { "Content-Type": "application/x-www-form-urlencoded" };

  it("accepts a form posted from the public https origin", async () => {
    const page = await send("GET", "/accessibilita/segnala");
    expect(page.status).toBe(200);
    expect(page.headers["strict-transport-security"]).toMatch(/max-age=/);
    const posted = await send("POST", "/accessibilita/segnala", report("persona.uno@comune.example.it"), { ...form, Origin: publicOrigin });
    // Post/Redirect/Get: the answer is a 303 to the result page, read back through the proxy.
    expect(posted.status).toBe(303);
    const result = await send("GET", String(posted.headers.location));
    expect(result.body).toContain("Segnalazione ricevuta");
    // A browser that drops Origin still sends Referer, which is checked the same way.
    const byReferer = await send("POST", "/accessibilita/segnala", report("persona.due@comune.example.it"), { ...form, Referer: `${publicOrigin}/accessibilita/segnala` });
    expect(byReferer.status).toBe(303);
  });

  it("refuses a post from any other origin, and a forged Host does not make one ours", async () => {
    const evil = await send("POST", "/accessibilita/segnala", report("persona.tre@comune.example.it"), { ...form, Origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body).toContain("Invio rifiutato");
    const plain = await send("POST", "/accessibilita/segnala", report("persona.tre@comune.example.it"), { ...form, Origin: `http://aggrega.test:${new URL(publicOrigin).port}` });
    expect(plain.status).toBe(403);
    // DNS rebinding: the attacker's name resolves to the server, so Host and Origin agree with each other, not with SITE_URL.
    const rebound = await new Promise<number>((resolve, reject) => {
      const upstream = new URL(site.baseUrl);
      const request = http.request(
        { host: upstream.hostname, port: upstream.port, method: "POST", path: "/accessibilita/segnala", headers: { ...form, Host: "evil.example", Origin: "http://evil.example" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject);
      request.end(report("persona.quattro@comune.example.it"));
    });
    expect(rebound).toBe(403);
  });

  it("counts rate limits on the client address the proxy saw, whatever X-Forwarded-For the client invents", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await send("POST", "/accessibilita/segnala", report(`diverso${i}@comune.example.it`), { ...form, Origin: publicOrigin, "X-Forwarded-For": `198.51.100.${i}` });
      statuses.push(reply.status);
    }
    // Two reports above plus these five from the one real client: the limit of 5 an hour is reached on the fourth.
    expect(statuses).toEqual([303, 303, 303, 429, 429]);
  });
});

describe("request limits and private pages", () => {
  let site: RunningSite;
  beforeAll(async () => {
    site = await startSite();
    await useSiteDatabase(site);
  }, 240_000);
  afterAll(async () => {
    await site?.stop();
  });

  it("refuses an 8 MB body with 413 before reading it, on an anonymous route, without the server's memory growing", async () => {
    // Warm up: the first render of the refusal page loads its modules, which is not what is measured.
    expect((await sendBody(site.baseUrl, "/accessibilita/segnala", 8 * 1024 * 1024)).status).toBe(413);
    const before = await rss(site.pid);
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await sendBody(site.baseUrl, "/accessibilita/segnala", 8 * 1024 * 1024));
    const chunked = await sendBody(site.baseUrl, "/accessibilita/segnala", 8 * 1024 * 1024, { chunked: true });
    const after = await rss(site.pid);
    for (const reply of [...replies, chunked]) {
      expect(reply.status).toBe(413);
      expect(reply.text).toContain("Dati inviati troppo grandi");
      expect(reply.text).toContain('lang="it"');
    }
    const growth = after - before;
    recordFigure("body-limit", { bodiesSent: 6, bytesEach: 8 * 1024 * 1024, rssBeforeMb: +(before / 1048576).toFixed(1), rssGrowthMb: +(growth / 1048576).toFixed(1) });
    expect(growth).toBeLessThan(6 * 1024 * 1024);
  });

  it("gives the attachment upload route its own, larger cap, also checked before reading", async () => {
    const declared = await sendBody(site.baseUrl, "/gestione/comunicati/nuovo", 60 * 1024 * 1024, { declaredOnly: true });
    expect(declared.status).toBe(413);
    // Under the upload cap the request goes on (and, signed out, meets the sign-in guard).
    const small = await sendBody(site.baseUrl, "/gestione/comunicati/nuovo", 2 * 1024 * 1024);
    expect(small.status).toBe(401);
    // A chunked upload has no length to check first: it streams, and is stopped at the same cap.
    const editor = await signedInAs(site, "editor");
    const streamed = await sendBody(site.baseUrl, "/gestione/comunicati/nuovo", 60 * 1024 * 1024, { chunked: true, cookie: editor.cookie });
    expect(streamed.status).toBe(413);
    expect(streamed.text).toContain("Dati inviati troppo grandi");
  });

  it("still reads bodies under the limit", async () => {
    const reply = await postForm(site.baseUrl, "/accessibilita/segnala", { email: "non-valida", description: "x".repeat(600_000) });
    expect(reply.status).toBe(422);
  });

  it("answers a URL that is not valid UTF-8 with the Italian error page", async () => {
    for (const target of ["/convenzioni?q=%ff%fe%c3%28", "/sala-stampa/%c3%28"]) {
      const response = await fetch(new URL(target, site.baseUrl));
      expect(response.status, target).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      const html = await response.text();
      expect(html).toContain('<html lang="it"');
      expect(html).toMatch(/<h1[^>]*>Indirizzo non valido<\/h1>/);
      expect(html).not.toContain("Bad request");
    }
  });

  it("marks account, back-office and token-bearing pages private, no-store, and leaves public pages cacheable", async () => {
    const admin = await signedInAs(site, "admin");
    const anonymous = ["/accedi", "/registrati", "/password-dimenticata", "/reimposta-password?token=abc", "/account/verifica?token=abc", "/avvisi/preferenze?t=abc", "/avvisi/conferma?t=abc"];
    for (const path of anonymous) {
      const response = await fetch(new URL(path, site.baseUrl), { redirect: "manual" });
      expect(response.headers.get("cache-control"), path).toBe("private, no-store");
    }
    for (const path of ["/account", "/gestione", "/convenzioni"]) {
      const response = await fetch(new URL(path, site.baseUrl), { redirect: "manual", headers: { cookie: admin.cookie } });
      expect(response.headers.get("cache-control"), path).toBe("private, no-store");
    }
    const publicPage = await fetch(new URL("/convenzioni", site.baseUrl));
    expect(publicPage.headers.get("cache-control") ?? "").not.toMatch(/no-store|private/);
  });
});

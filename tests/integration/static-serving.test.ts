/**
 * The built site's static files through `npm start`'s server: hashed assets
 * immutable, the rest revalidated with an ETag (304), HEAD without a body,
 * correct types, misses and late files answered by Astro's 404 page.
 */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/db";
import { startSite, type RunningSite } from "../helpers/server";

let site: RunningSite;
const late = path.join(ROOT, "dist/client", `aggiunto-dopo-${process.pid}.txt`);

beforeAll(async () => {
  site = await startSite();
  // Written after start-up: the set of static files was read before, so this one is not served.
  writeFileSync(late, "tardi");
}, 240_000);

afterAll(async () => {
  rmSync(late, { force: true });
  await site?.stop();
});

const get = (p: string, init?: RequestInit) => fetch(new URL(p, site.baseUrl), { redirect: "manual", ...init });

describe("static files", () => {
  it("serves a hashed stylesheet as immutable CSS", async () => {
    const css = readdirSync(path.join(ROOT, "dist/client/_astro")).find((name) => name.endsWith(".css"))!;
    const response = await get(`/_astro/${css}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await response.text();
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(body));
  });

  it("revalidates the other files with an ETag and answers 304 when it matches", async () => {
    const first = await get("/favicon.svg");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"/);
    await first.arrayBuffer();
    const again = await get("/favicon.svg", { headers: { "If-None-Match": `W/"altro", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const changed = await get("/favicon.svg", { headers: { "If-None-Match": '"altro"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it("answers HEAD with the headers and no body", async () => {
    const full = await get("/favicon.ico");
    const size = (await full.arrayBuffer()).byteLength;
    const head = await get("/favicon.ico", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("image/x-icon");
    expect(Number(head.headers.get("content-length"))).toBe(size);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("sends a missing asset, a late file and a dot-file to Astro's 404 page", async () => {
    for (const p of ["/_astro/inesistente.css", `/${path.basename(late)}`, "/.env"]) {
      const response = await get(p);
      expect({ p, status: response.status }).toEqual({ p, status: 404 });
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(await response.text()).toContain("Pagina non trovata");
    }
  });

  it("leaves dynamic pages to Astro, with their own headers", async () => {
    const response = await get("/healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBeNull();
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("cache-control") ?? "").not.toContain("immutable");
    expect(home.headers.get("etag")).toBeNull();
  });

  it("refuses a post to a static file's address through Astro, not as a file", async () => {
    const response = await get("/favicon.svg", { method: "POST", body: "x", headers: { "Content-Type": "text/plain", Origin: site.baseUrl } });
    expect(response.headers.get("content-type") ?? "").not.toContain("image/svg");
    expect(response.headers.get("etag")).toBeNull();
  });
});

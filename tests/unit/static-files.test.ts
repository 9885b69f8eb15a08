/** The static-file set read at start-up: which files it holds, under which paths, with which headers. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentTypeOf, IMMUTABLE, indexStaticFiles, REVALIDATE } from "@/lib/static-files";

const dir = mkdtempSync(path.join(os.tmpdir(), "aggrega-static-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(relative: string, content: string) {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), content);
}

describe("the static-file index", () => {
  put("_astro/Layout.AbC123.css", "body{}");
  put("favicon.svg", "<svg/>");
  put("materiali/città.txt", "testo");
  put("guida/index.html", "<p>guida</p>");
  put(".env", "SECRET=1");
  put("fonts/.DS_Store", "x");
  put(".well-known/security.txt", "Contact: mailto:a@example.org");
  const files = indexStaticFiles(dir);

  it("marks hashed assets immutable and asks for revalidation of the rest", () => {
    expect(files.get("/_astro/Layout.AbC123.css")?.cacheControl).toBe(IMMUTABLE);
    expect(files.get("/favicon.svg")?.cacheControl).toBe(REVALIDATE);
  });

  it("keys files by their decoded path and folders by their index.html", () => {
    expect(files.get("/materiali/città.txt")?.body.toString()).toBe("testo");
    expect(files.get("/guida")?.body.toString()).toBe("<p>guida</p>");
    expect(files.get("/guida/")).toBe(files.get("/guida/index.html"));
  });

  it("keeps dot-files out, except under /.well-known", () => {
    expect(files.has("/.env")).toBe(false);
    expect(files.has("/fonts/.DS_Store")).toBe(false);
    expect(files.has("/.well-known/security.txt")).toBe(true);
  });

  it("gives each file a strong ETag that follows its content", () => {
    const css = files.get("/_astro/Layout.AbC123.css")!;
    expect(css.etag).toMatch(/^"[\w-]{20,}"$/);
    expect(css.etag).not.toBe(files.get("/favicon.svg")!.etag);
  });

  it("returns an empty set for a missing folder", () => {
    expect(indexStaticFiles(path.join(dir, "nessuna")).size).toBe(0);
  });
});

describe("content types", () => {
  it.each([
    ["a.css", "text/css; charset=utf-8"],
    ["a.js", "text/javascript; charset=utf-8"],
    ["a.svg", "image/svg+xml; charset=utf-8"],
    ["a.woff2", "font/woff2"],
    ["favicon.ico", "image/x-icon"],
    ["a.CSV", "text/csv; charset=utf-8"],
    ["a.webmanifest", "application/manifest+json; charset=utf-8"],
    ["senza-estensione", "application/octet-stream"],
  ])("%s is %s", (name, type) => {
    expect(contentTypeOf(name)).toBe(type);
  });
});

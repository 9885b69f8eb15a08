/**
 * The authorisation matrix of the back office and the cross-site form check,
 * against the real built server. Routes come from the files under src/pages,
 * so pages added later are covered without touching this test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "@db/schema";
import { backOfficeRole } from "@/accounts";
import { CROSS_SITE_FORM_PATHS } from "@/lib/http";
import { signedInAs } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { routeFiles } from "../helpers/routes";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

const BACK_OFFICE = routeFiles("gestione");
const EVERY_ROUTE = routeFiles();

describe("authorisation and cross-site checks on the real server", () => {
  let site: RunningSite;
  const cookies: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    site = await startSite();
    await useSiteDatabase(site);
    for (const role of ["learner", "editor", "admin"] as const) cookies[role] = (await signedInAs(site, role)).cookie;
  });
  afterAll(async () => {
    await site?.stop();
  });

  const get = (path: string, cookie?: string) => fetch(new URL(path, site.baseUrl), { redirect: "manual", headers: cookie ? { cookie } : {} });

  it("finds the back-office routes", () => {
    expect(BACK_OFFICE.map((r) => r.path)).toEqual(expect.arrayContaining(["/gestione", "/gestione/comunicati", "/gestione/utenti", "/gestione/registro"]));
  });

  describe.each(BACK_OFFICE)("$file", ({ path }) => {
    const required = backOfficeRole(path)!;

    it("sends anonymous visitors to the sign-in page and refuses their posts", async () => {
      const response = await get(path);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`/accedi?dopo=${encodeURIComponent(path)}`);
      expect((await postForm(site.baseUrl, path, { prova: "1" })).status).toBe(401);
    });

    it("refuses learners", async () => {
      expect((await get(path, cookies.learner)).status).toBe(403);
      expect((await postForm(site.baseUrl, path, { prova: "1" }, { cookie: cookies.learner! })).status).toBe(403);
    });

    it(`lets editors in only when the section is for editors (here: ${required})`, async () => {
      const response = await get(path, cookies.editor);
      if (required === "admin") {
        expect(response.status).toBe(403);
        expect((await postForm(site.baseUrl, path, { prova: "1" }, { cookie: cookies.editor! })).status).toBe(403);
      } else {
        expect(response.status, await response.clone().text()).toBeLessThan(500);
        expect([401, 403]).not.toContain(response.status);
      }
    });

    it("lets admins in", async () => {
      const response = await get(path, cookies.admin);
      expect(response.status, await response.clone().text()).toBeLessThan(500);
      expect([401, 403]).not.toContain(response.status);
    });
  });

  describe("cross-site form posts", () => {
    const guarded = EVERY_ROUTE.filter((r) => !CROSS_SITE_FORM_PATHS.includes(r.path));

    it.each(guarded)("are refused on $path", async ({ path }) => {
      for (const [contentType, body] of [
        ["application/x-www-form-urlencoded", "email=a%40b.it&password=x"],
        ["multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"],
        ["text/plain", "a=1"],
      ] as const) {
        const response = await fetch(new URL(path, site.baseUrl), {
          method: "POST",
          redirect: "manual",
          headers: { "Content-Type": contentType, Origin: "https://sito-ostile.example", cookie: cookies.admin! },
          body,
        });
        expect({ path, contentType, status: response.status }).toEqual({ path, contentType, status: 403 });
      }
      const noOrigin = await fetch(new URL(path, site.baseUrl), {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", cookie: cookies.admin! },
        body: "a=1",
      });
      expect(noOrigin.status).toBe(403);
    });

    it("still accept the same form from the site itself", async () => {
      const { cookie } = await signedInAs(site, "learner");
      const response = await postForm(site.baseUrl, "/esci", {}, { cookie });
      expect(response.status).toBe(303);
      expect((await get("/account", cookie)).status).toBe(303);
    });
  });

  describe("the Markdown preview endpoint", () => {
    const preview = (headers: Record<string, string>) =>
      fetch(new URL("/gestione/comunicati/anteprima", site.baseUrl), {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ markdown: "**ok** <script>alert(1)</script>" }),
      });

    it("answers editors on the same origin with sanitised HTML", async () => {
      const response = await preview({ Origin: site.baseUrl, cookie: cookies.editor! });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ html: "<p><strong>ok</strong> </p>\n" });
    });

    it("refuses other origins and other roles", async () => {
      expect((await preview({ Origin: "https://sito-ostile.example", cookie: cookies.editor! })).status).toBe(403);
      expect((await preview({ Origin: site.baseUrl, "Sec-Fetch-Site": "cross-site", cookie: cookies.editor! })).status).toBe(403);
      expect((await preview({ Origin: site.baseUrl, cookie: cookies.learner! })).status).toBe(403);
      expect((await preview({ Origin: site.baseUrl })).status).toBe(401);
    });
  });

  it("serves no file outside the uploads folder", async () => {
    for (const path of ["/allegati/..%2F..%2Fpackage.json", "/allegati/%2e%2e%2fsite.db", "/allegati/00000000000000000000000000000000", "/allegati/x"]) {
      const response = await get(path, cookies.admin);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });
});

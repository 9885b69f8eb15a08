/**
 * The interoperability endpoints on the real built server: every operation
 * of the OpenAPI document is called and its answers checked against the
 * document's own schemas; the document is valid OpenAPI 3.1; the OCDS
 * packages the server sends validate against the official schemas.
 */
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, describe } from "vitest";
import { overrideConfig } from "@/config";
import { publishedExtensions } from "@/interop/ocds/extensions";
import { createOcdsValidator, loadOcdsSchemas } from "@/interop/ocds/validate";
import { ROOT } from "../helpers/db";
import { test as base, expect } from "../helpers/e2e";

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: "query" | "path";
  required: boolean;
  schema: Schema;
}
interface OperationDoc {
  operationId: string;
  parameters: Parameter[];
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

/** A valid value for a documented query parameter, read from its schema. */
function sampleValue(p: Parameter): string | null {
  const s = p.schema;
  if (Array.isArray(s.enum)) return String(s.enum[0]);
  if (s.const !== undefined) return String(s.const);
  if (p.name === "limite") return "2";
  if (p.name === "anno") return "2026";
  if (p.name === "q") return "pulizia";
  if (p.name === "cpv") return "909";
  if (p.name === "categoria") return "pulizia-uffici";
  if (p.name === "soggetto") return "consip";
  if (p.name === "cursore") return null; // only valid when taken from a page
  throw new Error(`no sample for parameter ${p.name}`);
}

interface OpenApiDoc {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, { get: OperationDoc }>;
  components: { schemas: Record<string, Schema> };
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

const test = base
  /** A GET on the running site. */
  .extend("get", { scope: "file" }, async ({ site }) => (p: string, headers: Record<string, string> = {}) => fetch(new URL(p, site.baseUrl), { headers }))
  /** The site's OpenAPI document, its components registered in ajv as "doc". */
  .extend("doc", { scope: "file" }, async ({ get }): Promise<OpenApiDoc> => {
    const response = await get("/api/v1/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as OpenApiDoc;
    ajv.addSchema({ $id: "doc", components: doc.components }, "doc");
    return doc;
  });
// The documented collections are read many times over: no rate limit in the way.
test.override("siteEnv", { scope: "file" }, () => ({ API_RATE_LIMIT_PER_MINUTE: "100000" }));

describe("interoperability endpoints on the running server", () => {
  afterAll(() => overrideConfig({}));

  const validatorFor = (schema: Schema) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));

  test("publishes a valid OpenAPI 3.1 document whose server is this site", async ({ site, doc }) => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]!.url).toBe(`${site.baseUrl}/api/v1`);
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(9);
  });

  test("answers every documented operation with a body that matches its documented schema, an ETag and a 304", async ({ doc, get }) => {
    // Path parameters are taken from the collections, as a client would.
    const firstOf = async (collection: string, key: string) => String(((await (await get(`/api/v1/${collection}?limite=1`)).json()) as { data: Record<string, unknown>[] }).data[0]![key]);
    const pathValues: Record<string, string> = {
      "/convenzioni/{slug}": await firstOf("convenzioni", "slug"),
      "/soggetti-aggregatori/{id}": await firstOf("soggetti-aggregatori", "id"),
    };
    for (const [template, item] of Object.entries(doc.paths)) {
      const op = item.get;
      const concrete = template.replace(/\{\w+\}/, pathValues[template] ?? "");
      const response = await get(`/api/v1${concrete}`);
      expect(response.status, op.operationId).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const validate = validatorFor(op.responses["200"]!.content!["application/json"]!.schema);
      const body = await response.json();
      expect(validate(body) ? [] : validate.errors, op.operationId).toEqual([]);
      const etag = response.headers.get("etag")!;
      expect((await get(`/api/v1${concrete}`, { "If-None-Match": etag })).status, op.operationId).toBe(304);

      // Each documented query parameter, given a valid value, is accepted; an undocumented one is refused.
      for (const p of op.parameters.filter((x) => x.in === "query")) {
        const value = sampleValue(p);
        if (value === null) continue;
        const withParam = await get(`/api/v1${concrete}?${new URLSearchParams({ [p.name]: value })}`);
        expect(withParam.status, `${op.operationId} ${p.name}=${value}`).toBe(200);
        expect(validate(await withParam.json()) ? [] : validate.errors).toEqual([]);
      }
      const problemSchema = validatorFor(op.responses["400"]!.content!["application/problem+json"]!.schema);
      const refused = await get(`/api/v1${concrete}?non_documentato=1`);
      expect(refused.status, op.operationId).toBe(400);
      expect(refused.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
      expect(problemSchema(await refused.json()) ? [] : problemSchema.errors).toEqual([]);

      if (op.responses["404"]) {
        const missing = await get(`/api/v1${template.replace(/\{\w+\}/, "non-esiste-affatto")}`);
        expect(missing.status, op.operationId).toBe(404);
        expect(problemSchema(await missing.json()) ? [] : problemSchema.errors).toEqual([]);
      }
    }
  });

  test("follows the cursor of a collection to its end", async ({ site, get }) => {
    let next: string | null = `${site.baseUrl}/api/v1/soggetti-aggregatori?limite=2`;
    const ids: string[] = [];
    while (next) {
      const page = (await (await fetch(next)).json()) as { data: { id: string }[]; nextUrl: string | null };
      ids.push(...page.data.map((a) => a.id));
      next = page.nextUrl;
    }
    const all = (await (await get("/api/v1/soggetti-aggregatori?limite=100")).json()) as { data: { id: string }[] };
    expect(ids).toEqual(all.data.map((a) => a.id));
  });

  test("serves the readable /api page listing every operation", async ({ doc, get }) => {
    const html = await (await get("/api")).text();
    for (const template of Object.keys(doc.paths)) expect(html).toContain(`GET /api/v1${template}`);
  });

  test("serves OCDS packages and Aggrega's extension that validate against the official schemas", async ({ site, get }) => {
    // The extension URL the server declares is under its own SITE_URL.
    overrideConfig({ SITE_URL: site.baseUrl });
    const validator = createOcdsValidator(await loadOcdsSchemas(path.resolve(ROOT, "../shared/fixtures/procurement/ocds-1.1.5")), publishedExtensions());
    for (const name of ["releases.json", "records.json"]) {
      const response = await get(`/dati/ocds/${name}`);
      expect(response.status).toBe(200);
      const pkg = await response.json();
      const result = validator.validate(pkg);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.additionalCodes).toEqual([]);
      expect((await get(`/dati/ocds/${name}`, { "If-None-Match": response.headers.get("etag")! })).status).toBe(304);
    }
    const extensionUrl = (await (await get("/dati/ocds/releases.json")).json()).extensions[2];
    expect(extensionUrl).toBe(`${site.baseUrl}/dati/ocds/estensione/extension.json`);
    const extension = await (await fetch(extensionUrl)).json();
    expect(extension.schemas).toEqual(["release-schema.json"]);
    const patch = await (await get("/dati/ocds/estensione/release-schema.json")).json();
    expect(Object.keys(patch.definitions.FrameworkAgreement.properties)).toEqual(["usedValue", "usedShare"]);
    const codes = await get("/dati/ocds/estensione/codelists/+partyRole.csv");
    expect(codes.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await codes.text()).toMatch(/^Code,Title,Description\r\nwholesaleBuyer,/);
    expect((await get("/dati/ocds/estensione/codelists/+tenderStatus.csv")).status).toBe(404);
    const lines = (await (await get("/dati/ocds/releases.jsonl")).text()).trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(40);
    const policy = await (await get("/dati/ocds")).text();
    expect(policy).toContain("NON è registrato");
  });
});

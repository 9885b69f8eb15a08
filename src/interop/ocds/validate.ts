/**
 * An OCDS 1.1.5 package validator: the official JSON Schemas (draft-04, with
 * the extensions a package declares applied as JSON Merge Patches) checked by
 * ajv, plus the checks of the Data Review Tool that a schema cannot express:
 * unique ids, codelist values, dates in order, references that resolve.
 *
 * The official schemas are not part of the project: the caller passes the
 * folder that holds them (tests use ../shared/fixtures/procurement/ocds-1.1.5).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv-draft-04";
import addFormats from "ajv-formats";
import Papa from "papaparse";
import type { OcdsExtension } from "./extensions";

export interface OcdsIssue {
  /** JSON Pointer into the package, e.g. /releases/0/tag/1. */
  path: string;
  /** The failed JSON Schema keyword, or the name of the additional check. */
  check: string;
  message: string;
}

export interface OcdsValidationResult {
  kind: "release package" | "record package" | "unknown";
  /** Schema errors and failed structural checks: the package is invalid. */
  errors: OcdsIssue[];
  /** What the Data Review Tool reports as quality warnings (additional fields, date order, references). */
  warnings: OcdsIssue[];
  /**
   * Values of open codelists that are neither in the codelist nor added by a declared extension: permitted,
   * but to be defined in the publication policy (the Data Review Tool lists them for checking).
   */
  additionalCodes: OcdsIssue[];
}

export interface OcdsSchemas {
  releaseSchema: Record<string, unknown>;
  releasePackageSchema: Record<string, unknown>;
  recordPackageSchema: Record<string, unknown>;
  versionedReleaseSchema: Record<string, unknown>;
  /** Codelist file name (e.g. partyRole.csv) → its codes. */
  codelists: Map<string, Set<string>>;
}

/** The OCDS-specific keywords of the 1.1.5 schemas and extensions: annotations, declared so ajv's strict mode accepts them. */
const OCDS_KEYWORDS = ["codelist", "openCodelist", "deprecated", "deprecatedVersion", "versionId", "omitWhenMerged", "wholeListMerge"];

const readJson = async (file: string) => JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;

/** Reads the codes (column Code) of a codelist CSV. */
export function parseCodelist(csv: string): Set<string> {
  const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
  return new Set(parsed.data.map((row) => row.Code ?? "").filter(Boolean));
}

/** Loads the official schemas and codelists from a folder laid out like the standard's schema/ directory. */
export async function loadOcdsSchemas(dir: string): Promise<OcdsSchemas> {
  const [releaseSchema, releasePackageSchema, recordPackageSchema, versionedReleaseSchema] = await Promise.all(
    ["release-schema.json", "release-package-schema.json", "record-package-schema.json", "versioned-release-validation-schema.json"].map((f) => readJson(path.join(dir, f))),
  );
  const codelists = new Map<string, Set<string>>();
  const codelistDir = path.join(dir, "codelists");
  for (const name of (await readdir(codelistDir)).filter((n) => n.endsWith(".csv"))) {
    codelists.set(name, parseCodelist(await readFile(path.join(codelistDir, name), "utf8")));
  }
  return { releaseSchema: releaseSchema!, releasePackageSchema: releasePackageSchema!, recordPackageSchema: recordPackageSchema!, versionedReleaseSchema: versionedReleaseSchema!, codelists };
}

/** RFC 7386 JSON Merge Patch (how OCDS extensions patch the release schema). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

type Schema = Record<string, unknown>;

const patterns = new Map<string, RegExp>();
const patternCache = (source: string) => {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(source, "u")));
  return re;
};

const pointer = (parts: (string | number)[]) => (parts.length ? `/${parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}` : "");

function ajvIssue(prefix: string, e: ErrorObject): OcdsIssue {
  let detail = e.message ?? "invalid";
  if (e.keyword === "enum") detail += `: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  if (e.keyword === "required") detail = `missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
  return { path: `${prefix}${e.instancePath}`, check: e.keyword, message: detail };
}

export interface OcdsValidator {
  validate(data: unknown): OcdsValidationResult;
  /** The release schema with the extensions applied. */
  releaseSchema: Schema;
}

/**
 * A validator for packages that declare `extensions` (their patches and codelist
 * additions are applied). A package that declares an extension the validator
 * does not know gets an error: its fields could not be checked.
 */
export function createOcdsValidator(schemas: OcdsSchemas, extensions: OcdsExtension[] = []): OcdsValidator {
  let releaseSchema = schemas.releaseSchema as Schema;
  for (const extension of extensions) releaseSchema = mergePatch(releaseSchema, extension.releaseSchemaPatch) as Schema;
  const codelists = new Map([...schemas.codelists].map(([name, codes]) => [name, new Set(codes)]));
  for (const extension of extensions) {
    for (const addition of extension.codelistAdditions) codelists.set(addition.codelist, new Set([...(codelists.get(addition.codelist) ?? []), addition.code]));
  }
  const known = new Set(extensions.map((e) => e.url));

  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, validateFormats: true });
  addFormats(ajv);
  ajv.addVocabulary(OCDS_KEYWORDS);
  ajv.addSchema(releaseSchema);
  ajv.addSchema(schemas.versionedReleaseSchema);
  const releasePackage: ValidateFunction = ajv.compile(schemas.releasePackageSchema);
  const recordPackage: ValidateFunction = ajv.compile(schemas.recordPackageSchema);
  const definitions = (releaseSchema.definitions ?? {}) as Record<string, Schema>;

  const resolve = (schema: Schema | undefined): Schema | undefined => {
    let current = schema;
    for (let i = 0; current && typeof current.$ref === "string" && i < 10; i++) {
      const ref = current.$ref as string;
      current = ref.startsWith("#/definitions/") ? definitions[ref.slice("#/definitions/".length)] : undefined;
    }
    return current;
  };

  /** Walks one release alongside the patched schema: open codelists, additional fields, unique ids, periods. */
  function walkRelease(release: unknown, at: (string | number)[], warnings: OcdsIssue[], errors: OcdsIssue[], additionalCodes: OcdsIssue[]) {
    const visit = (value: unknown, schema: Schema | undefined, here: (string | number)[]) => {
      const s = resolve(schema);
      if (!s || value === null || value === undefined) return;
      if (Array.isArray(value)) {
        const itemSchema = resolve(s.items as Schema | undefined);
        if (itemSchema && (itemSchema.properties as Schema | undefined)?.id) {
          const seen = new Map<string, number>();
          value.forEach((item, i) => {
            const id = item && typeof item === "object" ? (item as Record<string, unknown>).id : undefined;
            if (id === undefined || id === null) return;
            const key = String(id);
            if (seen.has(key)) errors.push({ path: pointer([...here, i, "id"]), check: "uniqueIds", message: `id '${key}' is already used by item ${seen.get(key)} of this array` });
            else seen.set(key, i);
          });
        }
        const listCodelist = s.codelist as string | undefined;
        if (listCodelist && s.openCodelist === true) value.forEach((item, i) => typeof item === "string" && checkCode(item, listCodelist, [...here, i]));
        value.forEach((item, i) => visit(item, s.items as Schema, [...here, i]));
        return;
      }
      if (typeof value === "object") {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
          if (!(key in props)) {
            // Language variants (title_it, description_en…) are the schema's patternProperties.
            const patterns = Object.keys((s.patternProperties ?? {}) as Schema);
            if (s.properties && !patterns.some((p) => patternCache(p).test(key))) {
              warnings.push({ path: pointer([...here, key]), check: "additionalFields", message: `field '${key}' is not in the schema nor in a declared extension` });
            }
            continue;
          }
          visit(child, props[key], [...here, key]);
        }
        checkPeriod(value as Record<string, unknown>, s, here, warnings);
        return;
      }
      if (typeof s.codelist === "string" && s.openCodelist === true && typeof value === "string") checkCode(value, s.codelist, here);
    };
    const checkCode = (value: string, codelist: string, here: (string | number)[]) => {
      const codes = codelists.get(codelist);
      if (codes && !codes.has(value)) additionalCodes.push({ path: pointer(here), check: "codelist", message: `'${value}' is not in the open codelist ${codelist} nor added by a declared extension` });
    };
    // Closed codelists are enums in the schema; ajv reports them. Codes in array items (tag, roles) reach here as strings.
    visit(release, releaseSchema, at);
    checkReleaseCoherence(release, at, warnings);
  }

  function checkPeriod(value: Record<string, unknown>, schema: Schema, here: (string | number)[], warnings: OcdsIssue[]) {
    if (schema !== definitions.Period) return;
    const start = Date.parse(String(value.startDate ?? ""));
    const end = Date.parse(String(value.endDate ?? ""));
    if (!Number.isNaN(start) && !Number.isNaN(end) && start > end) {
      warnings.push({ path: pointer([...here, "endDate"]), check: "datesInOrder", message: `endDate ${String(value.endDate)} is before startDate ${String(value.startDate)}` });
    }
  }

  function checkReleaseCoherence(release: unknown, at: (string | number)[], warnings: OcdsIssue[]) {
    if (!release || typeof release !== "object") return;
    const r = release as Record<string, any>;
    const tenderEnd = Date.parse(r.tender?.tenderPeriod?.endDate ?? "");
    const contractStart = Date.parse(r.tender?.contractPeriod?.startDate ?? "");
    if (!Number.isNaN(tenderEnd) && !Number.isNaN(contractStart) && tenderEnd > contractStart) {
      warnings.push({ path: pointer([...at, "tender", "contractPeriod", "startDate"]), check: "datesInOrder", message: "the contract period starts before the tender period ends" });
    }
    // Organization references must name a party.
    const parties = new Set(Array.isArray(r.parties) ? r.parties.map((p: { id?: unknown }) => String(p?.id)) : []);
    const refs: [unknown, (string | number)[]][] = [
      [r.buyer, ["buyer"]],
      [r.tender?.procuringEntity, ["tender", "procuringEntity"]],
      ...(Array.isArray(r.tender?.tenderers) ? r.tender.tenderers.map((t: unknown, i: number) => [t, ["tender", "tenderers", i]] as [unknown, (string | number)[]]) : []),
      ...(Array.isArray(r.awards)
        ? r.awards.flatMap((a: any, i: number) => (Array.isArray(a?.suppliers) ? a.suppliers.map((s: unknown, j: number) => [s, ["awards", i, "suppliers", j]]) : []))
        : []),
    ];
    for (const [ref, where] of refs) {
      const id = (ref as { id?: unknown } | undefined)?.id;
      if (id !== undefined && id !== null && !parties.has(String(id))) {
        warnings.push({ path: pointer([...at, ...where, "id"]), check: "organizationReference", message: `no party has id '${String(id)}'` });
      }
    }
    const lots = new Set(Array.isArray(r.tender?.lots) ? r.tender.lots.map((l: { id?: unknown }) => String(l?.id)) : []);
    (Array.isArray(r.awards) ? r.awards : []).forEach((a: any, i: number) => {
      (Array.isArray(a?.relatedLots) ? a.relatedLots : []).forEach((lot: unknown, j: number) => {
        if (!lots.has(String(lot))) warnings.push({ path: pointer([...at, "awards", i, "relatedLots", j]), check: "lotReference", message: `no lot has id '${String(lot)}'` });
      });
    });
  }

  function validate(data: unknown): OcdsValidationResult {
    const errors: OcdsIssue[] = [];
    const warnings: OcdsIssue[] = [];
    const additionalCodes: OcdsIssue[] = [];
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      return { kind: "unknown", errors: [{ path: "", check: "type", message: "an OCDS package is a JSON object" }], warnings, additionalCodes };
    }
    const pkg = data as Record<string, unknown>;
    const kind = Array.isArray(pkg.records) ? "record package" : Array.isArray(pkg.releases) ? "release package" : "unknown";
    if (kind === "unknown") return { kind, errors: [{ path: "", check: "type", message: "neither a release package (releases) nor a record package (records)" }], warnings, additionalCodes };

    const fn = kind === "record package" ? recordPackage : releasePackage;
    if (!fn(pkg)) errors.push(...(fn.errors ?? []).map((e) => ajvIssue("", e)));

    (Array.isArray(pkg.extensions) ? pkg.extensions : []).forEach((url, i) => {
      if (!known.has(String(url))) errors.push({ path: `/extensions/${i}`, check: "extensions", message: `the extension ${String(url)} is not known to this validator: its fields cannot be checked` });
    });

    const published = Date.parse(String(pkg.publishedDate ?? ""));
    const laterThanPackage = (date: unknown, at: (string | number)[]) => {
      const d = Date.parse(String(date ?? ""));
      if (!Number.isNaN(published) && !Number.isNaN(d) && d > published) {
        warnings.push({ path: pointer([...at, "date"]), check: "datesInOrder", message: "the release is dated after the package's publishedDate" });
      }
    };

    if (kind === "release package") {
      const seen = new Map<string, number>();
      (pkg.releases as unknown[]).forEach((release, i) => {
        const r = (release ?? {}) as Record<string, unknown>;
        const key = `${String(r.ocid)}\u0000${String(r.id)}`;
        if (seen.has(key)) errors.push({ path: `/releases/${i}/id`, check: "uniqueIds", message: `release id '${String(r.id)}' of ocid '${String(r.ocid)}' is already used by release ${seen.get(key)}` });
        else seen.set(key, i);
        laterThanPackage(r.date, ["releases", i]);
        walkRelease(release, ["releases", i], warnings, errors, additionalCodes);
      });
    } else {
      const seen = new Map<string, number>();
      (pkg.records as unknown[]).forEach((record, i) => {
        const rec = (record ?? {}) as Record<string, unknown>;
        const ocid = String(rec.ocid);
        if (seen.has(ocid)) errors.push({ path: `/records/${i}/ocid`, check: "uniqueIds", message: `ocid '${ocid}' already has record ${seen.get(ocid)}` });
        else seen.set(ocid, i);
        const ids = new Map<string, number>();
        (Array.isArray(rec.releases) ? rec.releases : []).forEach((release: unknown, j: number) => {
          const r = (release ?? {}) as Record<string, unknown>;
          if (r.ocid !== undefined && String(r.ocid) !== ocid) errors.push({ path: `/records/${i}/releases/${j}/ocid`, check: "recordOcid", message: `release of ocid '${String(r.ocid)}' in the record of '${ocid}'` });
          if (r.id !== undefined) {
            if (ids.has(String(r.id))) errors.push({ path: `/records/${i}/releases/${j}/id`, check: "uniqueIds", message: `release id '${String(r.id)}' is already used by release ${ids.get(String(r.id))}` });
            else ids.set(String(r.id), j);
            laterThanPackage(r.date, ["records", i, "releases", j]);
            walkRelease(release, ["records", i, "releases", j], warnings, errors, additionalCodes);
          }
        });
        if (rec.compiledRelease) {
          const compiled = rec.compiledRelease as Record<string, unknown>;
          if (compiled.ocid !== undefined && String(compiled.ocid) !== ocid) errors.push({ path: `/records/${i}/compiledRelease/ocid`, check: "recordOcid", message: `compiled release of ocid '${String(compiled.ocid)}' in the record of '${ocid}'` });
          walkRelease(compiled, ["records", i, "compiledRelease"], warnings, errors, additionalCodes);
        }
      });
    }
    return { kind, errors, warnings, additionalCodes };
  }

  return { validate, releaseSchema };
}

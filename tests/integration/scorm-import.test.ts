/**
 * Importing SCORM packages: the two sample packages become courses, and
 * hostile or broken archives (built here byte by byte) are refused with an
 * Italian message and leave nothing in the database.
 */
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, courseVersions, scormFiles, scormPackages } from "@db/schema";
import { completeLesson, courseCatalog, courseDetail, DEFAULT_ZIP_LIMITS, enrol, importScormPackage, lessonsOf, scormContent, syncCourses, type ZipLimits } from "@/learning";
import { Refusal } from "@/lib/refusal";
import { createUserWithRole } from "../helpers/auth";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { buildZip, scormFixture, unzipEntries, type ZipEntrySpec } from "../helpers/zip";

const actor = { id: null, label: "test" };
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

let tdb: TestDatabase;
let fixture12: { name: string; data: Buffer }[];

beforeAll(async () => {
  tdb = await createTestDatabase();
  fixture12 = await unzipEntries(await scormFixture("scorm12.zip"));
});
afterAll(async () => {
  await tdb?.cleanup();
});

async function stored() {
  const [[packages], [files], [versions]] = await Promise.all([
    tdb.db.select({ n: count() }).from(scormPackages),
    tdb.db.select({ n: count() }).from(scormFiles),
    tdb.db.select({ n: count() }).from(courseVersions),
  ]);
  return { packages: packages!.n, files: files!.n, versions: versions!.n };
}

/** Imports `zip` expecting a refusal; returns its message after checking that nothing was stored. */
async function refusal(zip: Buffer, limits?: ZipLimits): Promise<string> {
  const before = await stored();
  const error = await importScormPackage(zip, { hours: 1, slug: "ostile" }, actor, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refusal);
  expect(await stored()).toEqual(before);
  return (error as Refusal).message;
}

/** The 1.2 sample with one entry added (or replaced by name). */
function sampleWith(...extra: ZipEntrySpec[]): Buffer {
  const names = new Set(extra.map((e) => e.name));
  return buildZip([...fixture12.filter((f) => !names.has(f.name)).map((f) => ({ name: f.name, data: f.data })), ...extra]);
}

const manifest12 = () => fixture12.find((f) => f.name === "imsmanifest.xml")!.data.toString("utf8");

describe("SCORM sample packages", () => {
  it("imports the SCORM 1.2 sample as a course with one module per aggregation and one lesson per item", async () => {
    const result = await importScormPackage(await scormFixture("scorm12.zip"), { hours: 3 }, actor);
    expect(result).toMatchObject({ slug: "golf-explained-cp-one-file-per-sco", version: "1.2", lessons: 18, files: fixture12.length, courseVersion: 1 });
    const detail = await courseDetail(result.slug, null);
    expect(detail?.course.title).toBe("Golf Explained - CP One File Per SCO");
    expect(detail?.course.scorm).toEqual({ packageId: result.packageId, version: "1.2" });
    expect(detail?.course.modules.map((m) => [m.title, m.lessons.length])).toEqual([
      ["Playing the Game", 6],
      ["Etiquette", 4],
      ["Handicapping", 5],
      ["Having Fun", 3],
    ]);
    expect(detail?.course.hours).toBe(3);
    const [pkg] = await tdb.db.select().from(scormPackages).where(eq(scormPackages.id, result.packageId));
    expect(pkg!.items[5]).toMatchObject({ identifier: "playing_quiz_item", slug: "playing-quiz", kind: "asset", launch: "shared/assessmenttemplate.html?questions=Playing" });
    // Files are stored byte for byte and served only to enrolled learners.
    const original = fixture12.find((f) => f.name === "Playing/Par.html")!;
    expect(await scormContent(result.packageId, "Playing/Par.html", null)).toEqual({ status: "forbidden" });
    const learner = await createUserWithRole("learner");
    expect(await scormContent(result.packageId, "Playing/Par.html", { id: learner.id, staff: false })).toEqual({ status: "forbidden" });
    await enrol(learner.id, result.slug);
    const served = await scormContent(result.packageId, "Playing/Par.html", { id: learner.id, staff: false });
    expect(served).toMatchObject({ status: "ok", contentType: "text/html; charset=utf-8" });
    expect(served.status === "ok" && served.bytes.equals(original.data)).toBe(true);
    expect(await scormContent(result.packageId, "Playing/../imsmanifest.xml", { id: learner.id, staff: false })).toEqual({ status: "not-found" });
    // Items are completed by the package, never by the «Segna come completata» button.
    expect(await completeLesson(learner.id, result.slug, "playing-par")).toEqual({ ok: false });
    const [audit] = await tdb.db.select().from(auditLog).where(and(eq(auditLog.action, "scorm.import"), eq(auditLog.entityId, result.slug)));
    expect(audit?.details).toMatchObject({ packageId: result.packageId, version: "1.2" });
  });

  it("imports the SCORM 2004 sample, and a second import of the same address is a new version of the course", async () => {
    const first = await importScormPackage(await scormFixture("scorm2004.zip"), { hours: 1, slug: "golf-2004", title: "Il golf spiegato" }, actor);
    expect(first).toMatchObject({ slug: "golf-2004", version: "2004", lessons: 1, courseVersion: 1 });
    const [pkg] = await tdb.db.select().from(scormPackages).where(eq(scormPackages.id, first.packageId));
    expect(pkg!.items).toEqual([
      { identifier: "item_1", slug: "item-1", title: "Golf Explained", launch: "shared/launchpage.html", kind: "sco", masteryScore: null, launchData: "", completionThreshold: null },
    ]);
    const second = await importScormPackage(await scormFixture("scorm2004.zip"), { hours: 2, slug: "golf-2004", title: "Il golf spiegato" }, actor);
    expect(second.courseVersion).toBe(2);
    expect((await courseDetail("golf-2004", null))?.course).toMatchObject({ title: "Il golf spiegato", hours: 2, version: 2 });
  });

  it("keeps SCORM courses through the start-up sync of content/courses, beside the MDX courses", async () => {
    await syncCourses(tdb.db, ROOT);
    const slugs = (await courseCatalog(null)).map((e) => e.course.slug);
    expect(slugs).toEqual(expect.arrayContaining(["aggregatori-e-convenzioni", "golf-explained-cp-one-file-per-sco", "golf-2004"]));
    // An MDX course's address cannot be taken by a package.
    const message = await importScormPackage(await scormFixture("scorm2004.zip"), { hours: 1, slug: "aggregatori-e-convenzioni" }, actor).catch((e: Refusal) => e.message);
    expect(message).toBe("L'indirizzo «aggregatori-e-convenzioni» è già usato da un corso del sito: scegline un altro.");
    const mdx = await courseDetail("aggregatori-e-convenzioni", null);
    expect(mdx?.course.scorm).toBeUndefined();
    expect(lessonsOf(mdx!.course).length).toBeGreaterThan(3);
  });
});

describe("hostile and broken packages are refused and store nothing", () => {
  it("refuses zip-slip paths: parent folders, absolute paths, backslashes", async () => {
    expect(await refusal(sampleWith({ name: "../fuori.html", data: "<p>x</p>" }))).toBe("Pacchetto rifiutato: il percorso «../fuori.html» esce dal pacchetto con «..».");
    expect(await refusal(sampleWith({ name: "shared/../../fuori.html", data: "x" }))).toMatch(/esce dal pacchetto/);
    expect(await refusal(sampleWith({ name: "/etc/cron.d/x", data: "x" }))).toBe("Pacchetto rifiutato: il percorso «/etc/cron.d/x» è assoluto: i file devono stare dentro il pacchetto.");
    expect(await refusal(sampleWith({ name: "C:/Windows/x.dll", data: "x" }))).toMatch(/è assoluto/);
    expect(await refusal(sampleWith({ name: "shared\\..\\..\\x.html", data: "x" }))).toMatch(/barra rovesciata/);
  });

  it("refuses symbolic links", async () => {
    expect(await refusal(sampleWith({ name: "shared/link", data: "/etc/passwd", method: 0, mode: 0o120777 }))).toBe(
      "Pacchetto rifiutato: «shared/link» è un collegamento simbolico: il pacchetto può contenere solo file e cartelle.",
    );
  });

  it("refuses zip bombs: by the declared ratio, and by the bytes really inflated when the header lies", async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    expect(await refusal(sampleWith({ name: "bomba.bin", data: zeros }))).toBe("Pacchetto rifiutato: il file «bomba.bin» si espande più di 100 volte: sembra una «bomba ZIP».");
    // The header says 100 bytes: only counting what comes out of the inflater catches it.
    expect(await refusal(sampleWith({ name: "bugiardo.bin", data: zeros, declaredSize: 100 }))).toMatch(/bomba ZIP|più \(o meno\) byte di quanti ne dichiara/);
    const limits = { ...DEFAULT_ZIP_LIMITS, maxFileBytes: 256 * 1024 };
    expect(await refusal(sampleWith({ name: "grande.bin", data: randomBytes(300 * 1024), declaredSize: 1000 }), limits)).toMatch(/supera|più \(o meno\) byte/);
  });

  it("refuses archives over the per-file, total and entry-count limits", async () => {
    const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, maxFileBytes: 400 * 1024, maxTotalBytes: 1024 * 1024, maxEntries: 60 };
    expect(await refusal(sampleWith({ name: "video.mp4", data: randomBytes(500 * 1024) }), limits)).toBe("Pacchetto rifiutato: il file «video.mp4» supera 400 KB una volta estratto.");
    expect(await refusal(sampleWith({ name: "a.bin", data: randomBytes(350 * 1024) }, { name: "b.bin", data: randomBytes(350 * 1024) }), limits)).toMatch(
      /^Pacchetto rifiutato: i file estratti supererebbero 1 MB in tutto\.$/,
    );
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `extra/${i}.txt`, data: "x" }));
    expect(await refusal(sampleWith(...many), limits)).toBe(`Pacchetto rifiutato: contiene ${fixture12.length + 20} elementi, più dei 60 ammessi.`);
  });

  it("refuses files that are not zip archives, or not SCORM packages", async () => {
    expect(await refusal(randomBytes(2048))).toBe("Pacchetto rifiutato: il file non è un archivio ZIP valido o è danneggiato.");
    expect(await refusal(Buffer.from("%PDF-1.7\n"))).toMatch(/non è un archivio ZIP valido/);
    expect(await refusal(buildZip([{ name: "index.html", data: "<p>ciao</p>" }]))).toBe("Pacchetto rifiutato: manca imsmanifest.xml nella radice dello ZIP, quindi non è un pacchetto SCORM.");
    expect(await refusal(buildZip(fixture12.map((f) => ({ name: `corso/${f.name}`, data: f.data }))))).toMatch(/il manifesto è in «corso\/imsmanifest\.xml», ma deve stare nella radice/);
  });

  it("refuses malformed manifests, unsupported versions and launch pages missing from the package", async () => {
    const xml = manifest12();
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: xml.slice(0, xml.length - 40) }))).toMatch(/^Manifesto non valido: imsmanifest\.xml non è XML ben formato \(riga \d+: .+\)\.$/);
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: xml.replace("<schemaversion>1.2</schemaversion>", "<schemaversion>1.1</schemaversion>") }))).toBe(
      "Manifesto non valido: la versione «1.1» non è supportata: Aggrega accetta SCORM 1.2 e SCORM 2004.",
    );
    const noVersion = xml.replace("<schemaversion>1.2</schemaversion>", "").replaceAll("adlcp_rootv1p2", "adlcp_x");
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: noVersion }))).toMatch(/non indica la versione SCORM/);
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: xml.replace('href="Playing/Par.html"', 'href="Playing/Manca.html"') }))).toBe(
      "Manifesto non valido: la pagina «Playing/Manca.html» della risorsa «playing_par_resource» non è nel pacchetto.",
    );
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: xml.replace('href="Playing/Par.html"', 'href="https://esempio.example/par.html"') }))).toMatch(/si apre da un indirizzo esterno/);
    const entities = `<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>${xml.replace(/^<\?xml[^>]*>/, "")}`;
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: entities }))).toBe("Manifesto non valido: imsmanifest.xml contiene una dichiarazione DOCTYPE o ENTITY, che non è ammessa.");
    expect(await refusal(sampleWith({ name: "imsmanifest.xml", data: "<manifest identifier='x'><metadata><schemaversion>1.2</schemaversion></metadata><organizations/></manifest>" }))).toMatch(
      /non contiene nessuna <organization>/,
    );
  });
});

describe("npm run course:import-scorm", () => {
  it("imports a package from the command line, and refuses a hostile one with one Italian line and exit code 1", async () => {
    const ok = spawnSync(TSX, ["src/cli/course-import-scorm.ts", path.join(ROOT, "../shared/fixtures/scorm/scorm2004.zip"), "--hours", "2", "--slug", "golf-da-terminale"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: tdb.url },
      encoding: "utf8",
    });
    expect(ok.stderr).not.toMatch(/\n\s+at /);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^course:import-scorm: importato il pacchetto SCORM 2004 come corso \/formazione\/golf-da-terminale \(versione 1, 1 attività, \d+ file\) in [\d.]+ s$/m);
    const hostile = path.join(tdb.dir, "ostile.zip");
    await writeFile(hostile, sampleWith({ name: "../fuori.html", data: "x" }));
    const before = await stored();
    const bad = spawnSync(TSX, ["src/cli/course-import-scorm.ts", hostile, "--hours", "1"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: tdb.url }, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split("\n").at(-1)).toBe("course:import-scorm: Pacchetto rifiutato: il percorso «../fuori.html» esce dal pacchetto con «..».");
    expect(await stored()).toEqual(before);
    const usage = spawnSync(TSX, ["src/cli/course-import-scorm.ts", hostile], { cwd: ROOT, env: { ...process.env, DATABASE_URL: tdb.url }, encoding: "utf8" });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^course:import-scorm: manca --hours/);
  });
});

/**
 * Importing a SCORM package: check the zip (zip.ts) and the manifest
 * (manifest.ts), then, in one transaction, store the package's files in
 * scorm_files and publish it as a course: a course_versions row whose
 * structure lists the package's items as lessons. A refused package
 * stores nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, max } from "drizzle-orm";
import { courseVersions, scormFiles, scormPackages, type CourseStructure } from "@db/schema";
import { getDb } from "@/lib/db";
import { recordAudit, type Actor } from "@/lib/audit";
import { Refusal } from "@/lib/refusal";
import { SLUG_PATTERN } from "@/lib/field-rules";
import { structureHash } from "../sync";
import { parseManifest, slugify } from "./manifest";
import { contentTypeFor } from "./content-types";
import { DEFAULT_ZIP_LIMITS, readZip, type ZipLimits } from "./zip";

export interface ScormImportInput {
  /** Course address; derived from the manifest's title when empty. */
  slug?: string;
  /** Hours printed on the certificate. */
  hours: number;
  /** Title shown in the catalog; the manifest's organization title when empty. */
  title?: string;
  summary?: string;
  audience?: string;
  objectives?: string[];
}

export interface ScormImportResult {
  slug: string;
  packageId: string;
  version: "1.2" | "2004";
  lessons: number;
  files: number;
  courseVersion: number;
}

/** Files stored per INSERT: keeps each statement well under SQLite's limits. */
const FILES_PER_INSERT = 20;

/** Position in the catalog: after the MDX courses (which use small numbers). */
const SCORM_ORDER = 1000;

export async function importScormPackage(zip: Buffer, input: ScormImportInput, actor: Actor, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ScormImportResult> {
  const files = await readZip(zip, limits);
  const manifestFile = files.find((f) => f.path === "imsmanifest.xml");
  if (!manifestFile) {
    const nested = files.find((f) => f.path.toLowerCase().endsWith("/imsmanifest.xml") || f.path.toLowerCase() === "imsmanifest.xml");
    throw new Refusal(
      nested
        ? `Pacchetto rifiutato: il manifesto è in «${nested.path}», ma deve stare nella radice dello ZIP con il nome imsmanifest.xml (comprimi il contenuto della cartella, non la cartella).`
        : "Pacchetto rifiutato: manca imsmanifest.xml nella radice dello ZIP, quindi non è un pacchetto SCORM.",
      "pacchetto",
    );
  }
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(manifestFile.bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new Refusal("Manifesto non valido: imsmanifest.xml non è un testo UTF-8.", "pacchetto");
  }
  const manifest = parseManifest(xml, new Set(files.map((f) => f.path)));

  const slug = input.slug?.trim() || slugify(input.title?.trim() || manifest.title) || slugify(manifest.identifier);
  if (!SLUG_PATTERN.test(slug)) throw new Refusal("L'indirizzo del corso deve essere uno slug: lettere minuscole, cifre e trattini.", "slug");
  const title = input.title?.trim() || manifest.title;
  const packageId = randomBytes(16).toString("hex");
  const structure: CourseStructure = {
    title,
    summary: input.summary?.trim() || `Corso in formato SCORM ${manifest.version === "1.2" ? "1.2" : "2004"}: ${title}.`,
    audience: input.audience?.trim() || "Tutte le persone interessate",
    hours: input.hours,
    objectives: input.objectives ?? [],
    prerequisites: [],
    passMark: 0,
    maxAttempts: 0,
    order: SCORM_ORDER,
    modules: manifest.modules.map((m) => ({
      slug: m.slug,
      title: m.title,
      lessons: m.items.map((item) => ({
        slug: item.slug,
        title: item.title,
        description: item.kind === "sco" ? "Attività interattiva del pacchetto SCORM" : "Pagina del pacchetto SCORM",
        minutes: Math.max(1, Math.round((input.hours * 60) / manifest.modules.reduce((n, mm) => n + mm.items.length, 0))),
        related: { conventions: [], aggregators: [], tools: [] },
      })),
    })),
    quiz: [],
    scorm: { packageId, version: manifest.version },
  };
  const items = manifest.modules.flatMap((m) => m.items);
  const totalBytes = files.reduce((n, f) => n + f.bytes.length, 0);
  const db = await getDb();
  const courseVersion = await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ structure: courseVersions.structure })
      .from(courseVersions)
      .where(and(eq(courseVersions.courseSlug, slug), eq(courseVersions.isCurrent, true)));
    if (current && !current.structure.scorm) {
      throw new Refusal(`L'indirizzo «${slug}» è già usato da un corso del sito: scegline un altro.`, "slug", { status: 409 });
    }
    await tx.insert(scormPackages).values({
      id: packageId,
      courseSlug: slug,
      version: manifest.version,
      identifier: manifest.identifier,
      title: manifest.title,
      items,
      fileCount: files.length,
      totalBytes,
      sha256: createHash("sha256").update(zip).digest("hex"),
      uploadedBy: actor.id,
    });
    for (let i = 0; i < files.length; i += FILES_PER_INSERT) {
      await tx.insert(scormFiles).values(
        files.slice(i, i + FILES_PER_INSERT).map((f) => ({ packageId, path: f.path, contentType: contentTypeFor(f.path), size: f.bytes.length, bytes: f.bytes })),
      );
    }
    const [last] = await tx.select({ n: max(courseVersions.version) }).from(courseVersions).where(eq(courseVersions.courseSlug, slug));
    const version = (last?.n ?? 0) + 1;
    await tx.update(courseVersions).set({ isCurrent: false }).where(eq(courseVersions.courseSlug, slug));
    await tx.insert(courseVersions).values({ courseSlug: slug, version, structureHash: structureHash(structure), structure, isCurrent: true });
    await recordAudit(tx, actor, "scorm.import", { type: "course", id: slug }, { packageId, version: manifest.version, identifier: manifest.identifier, files: files.length, bytes: totalBytes });
    return version;
  });
  return { slug, packageId, version: manifest.version, lessons: items.length, files: files.length, courseVersion };
}

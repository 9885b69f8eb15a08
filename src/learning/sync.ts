/**
 * Course structure sync: content/courses → course_versions. A new version is
 * written only when a course's structure hash changes, so progress can be
 * read against the structure learners saw and the one that is current now.
 */
import { createHash } from "node:crypto";
import { and, eq, max, notInArray } from "drizzle-orm";
import { courseVersions, type CourseStructure } from "@db/schema";
import type { Database } from "@/lib/db";
import { loadCourses, type CourseDefinition } from "./content";

/** Stable JSON (sorted keys) so the hash does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function structureHash(structure: CourseStructure): string {
  return createHash("sha256").update(canonical(structure)).digest("hex");
}

export interface SyncResult {
  created: string[];
  unchanged: string[];
  /** Courses whose folder disappeared: no longer current, their certificates stay valid. */
  retired: string[];
}

/**
 * Reads content/courses under `root` (or takes the structures the build
 * wrote, see built-courses.ts) and records new course versions where the
 * structure changed.
 */
export async function syncCourses(db: Database, root: string, known?: CourseDefinition[]): Promise<SyncResult> {
  const courses = known ?? (await loadCourses(root));
  const unchanged = await allCurrent(db, courses);
  if (unchanged) return { created: [], unchanged, retired: [] };
  try {
    return await writeVersions(db, courses);
  } catch {
    // Two processes starting together can race for the same new version (unique index or write lock);
    // the second pass finds the version the other one wrote and leaves it alone.
    return writeVersions(db, courses);
  }
}

/** One query: the slugs, when every course's current version already has its structure and nothing else is current. */
async function allCurrent(db: Database, courses: CourseDefinition[]): Promise<string[] | undefined> {
  const current = await db
    .select({ slug: courseVersions.courseSlug, hash: courseVersions.structureHash })
    .from(courseVersions)
    .where(eq(courseVersions.isCurrent, true));
  if (current.length !== courses.length) return undefined;
  const hashes = new Map(current.map((row) => [row.slug, row.hash]));
  return courses.every((course) => hashes.get(course.slug) === structureHash(course.structure)) ? courses.map((c) => c.slug) : undefined;
}

async function writeVersions(db: Database, courses: CourseDefinition[]): Promise<SyncResult> {
  const result: SyncResult = { created: [], unchanged: [], retired: [] };
  await db.transaction(async (tx) => {
    for (const course of courses) {
      const hash = structureHash(course.structure);
      const [current] = await tx
        .select({ id: courseVersions.id, hash: courseVersions.structureHash })
        .from(courseVersions)
        .where(and(eq(courseVersions.courseSlug, course.slug), eq(courseVersions.isCurrent, true)));
      if (current?.hash === hash) {
        result.unchanged.push(course.slug);
        continue;
      }
      const [last] = await tx.select({ n: max(courseVersions.version) }).from(courseVersions).where(eq(courseVersions.courseSlug, course.slug));
      await tx.update(courseVersions).set({ isCurrent: false }).where(eq(courseVersions.courseSlug, course.slug));
      await tx.insert(courseVersions).values({
        courseSlug: course.slug,
        version: (last?.n ?? 0) + 1,
        structureHash: hash,
        structure: course.structure,
        isCurrent: true,
      });
      result.created.push(course.slug);
    }
    const present = courses.map((c) => c.slug);
    const stale = await tx
      .select({ slug: courseVersions.courseSlug, structure: courseVersions.structure })
      .from(courseVersions)
      .where(and(eq(courseVersions.isCurrent, true), present.length ? notInArray(courseVersions.courseSlug, present) : undefined));
    // Courses imported from SCORM packages have no folder in content/courses: they stay.
    for (const { slug } of stale.filter((row) => !row.structure.scorm)) {
      await tx.update(courseVersions).set({ isCurrent: false }).where(eq(courseVersions.courseSlug, slug));
      result.retired.push(slug);
    }
  });
  return result;
}

/** One line for start-up and db:seed output. */
export function describeSync(result: SyncResult): string {
  const total = result.created.length + result.unchanged.length;
  const parts = [`${total} corsi`];
  if (result.created.length) parts.push(`${result.created.length} con una nuova versione`);
  if (result.retired.length) parts.push(`${result.retired.length} ritirati`);
  return parts.join(", ");
}

/**
 * The course structures written at build time (dist/courses.json, by
 * scripts/bundle.mjs) are the ones in content/courses, and `npm start`'s
 * sync from them records a version only when a structure changed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { courseVersions } from "@db/schema";
import { loadCourses, readBuiltCourses, syncCourses } from "@/learning";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb.cleanup();
});

describe("course structures from the build", () => {
  it("match content/courses (the global setup built dist/ from these sources)", async () => {
    const built = await readBuiltCourses(ROOT);
    expect(built).toEqual(await loadCourses(ROOT));
    expect(JSON.parse(readFileSync(path.join(ROOT, "dist/courses.json"), "utf8"))).toEqual(built);
  });

  it("sync to the same versions as the sources, then change nothing", async () => {
    const built = (await readBuiltCourses(ROOT))!;
    const fromSources = await syncCourses(tdb.db, ROOT);
    const fromBuild = await syncCourses(tdb.db, ROOT, built);
    expect(fromBuild.created).toEqual([]);
    expect(fromBuild.unchanged.sort()).toEqual([...fromSources.created, ...fromSources.unchanged].sort());
    expect(fromBuild.retired).toEqual([]);
  });

  it("record a new version when a structure changed, and retire a course that is gone", async () => {
    const built = (await readBuiltCourses(ROOT))!;
    await syncCourses(tdb.db, ROOT, built);
    const [first, second, ...rest] = built;
    const changed = { ...first!, structure: { ...first!.structure, title: `${first!.structure.title} (rivisto)` } };
    const result = await syncCourses(tdb.db, ROOT, [changed, ...rest]);
    expect(result.created).toEqual([first!.slug]);
    expect(result.retired).toEqual([second!.slug]);
    const versions = await tdb.db.select().from(courseVersions).where(eq(courseVersions.courseSlug, first!.slug));
    expect(versions.map((v) => [v.version, v.isCurrent])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

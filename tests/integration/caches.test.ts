/**
 * Per-process caches of the current course structures and the catalog filter
 * lists: read once, and read again after any write to the tables behind them,
 * whether it comes from a domain function of this process or from another
 * connection (another process).
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseVersions } from "@db/schema";
import { getCatalogFilters, saveCategory } from "@/catalog";
import { currentVersion, currentVersions } from "@/learning/courses";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const COURSE = "aggregatori-e-convenzioni";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ seed: true });
});
afterAll(async () => t.cleanup());

describe("the catalog filter lists", () => {
  it("are read once while nothing changes", async () => {
    const first = await getCatalogFilters();
    expect(await getCatalogFilters()).toBe(first);
  });

  it("show a category saved through the domain on the next read", async () => {
    await getCatalogFilters();
    await saveCategory({ id: "servizi-di-prova", name: "Servizi di prova", description: "", cpv: [{ code: "79000000-4", label: "Servizi per le imprese" }] });
    expect((await getCatalogFilters()).categories).toContainEqual({ id: "servizi-di-prova", name: "Servizi di prova" });
  });

  it("show a rename written by another connection on the next read", async () => {
    const before = await getCatalogFilters();
    const consip = before.aggregators.find((a) => a.id === "consip")!;
    await t.client.execute({ sql: "UPDATE aggregators SET name = ? WHERE id = 'consip'", args: [`${consip.name} (rinominata)`] });
    expect((await getCatalogFilters()).aggregators.find((a) => a.id === "consip")?.name).toBe(`${consip.name} (rinominata)`);
  });
});

describe("the current course structures", () => {
  it("are read once while nothing changes", async () => {
    const first = await currentVersion(t.db, COURSE);
    expect(first).toBeDefined();
    expect(await currentVersion(t.db, COURSE)).toBe(first);
    expect((await currentVersions(t.db)).find((v) => v.courseSlug === COURSE)).toBe(first);
  });

  it("show a new current version written by another connection on the next read", async () => {
    const before = (await currentVersion(t.db, COURSE))!;
    await t.client.execute({ sql: "UPDATE course_versions SET is_current = 0 WHERE id = ?", args: [before.id] });
    await t.client.execute({
      sql: "INSERT INTO course_versions (course_slug, version, structure_hash, structure, is_current) VALUES (?, ?, 'prova', ?, 1)",
      args: [COURSE, before.version + 1, JSON.stringify({ ...before.structure, title: "Titolo cambiato" })],
    });
    const after = await currentVersion(t.db, COURSE);
    expect(after?.version).toBe(before.version + 1);
    expect(after?.structure.title).toBe("Titolo cambiato");
    // Retired: the course is gone from the next read.
    await t.db.update(courseVersions).set({ isCurrent: false }).where(eq(courseVersions.id, after!.id));
    expect(await currentVersion(t.db, COURSE)).toBeUndefined();
    expect((await currentVersions(t.db)).map((v) => v.courseSlug)).not.toContain(COURSE);
  });
});

import path from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { toolLinks, tools } from "@db/schema";
import { ContentFileError, describePath, loadYaml } from "@/lib/content-files";
import type { SeedStep } from "@/lib/seed-step";
import { AggregatorSeed, CategorySeed, ConventionSeed, InitiativeSeed, PlanSeed, ToolSeed, type ConventionInput } from "./seed-schema";
import { refreshSearchStems } from "./fts";
import { CatalogWriteError, saveAggregator, saveCategory, saveConvention, saveInitiative, savePlan } from "./write";

/** Upsert helper: on conflict, overwrite every column but the key with the new row. */
function excluded(columns: string[]) {
  return Object.fromEntries(columns.map((c) => [c, sql.raw(`excluded.${c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)}`)]));
}

/** Convention files: facts from the press releases, then the demonstration entries. */
const CONVENTION_FILES = ["conventions.yaml", "conventions-esempi.yaml"];

/**
 * Writes every entry of a file through `write`; a refused entry (unknown
 * aggregator, category…) fails the whole seed naming the file, entry and field.
 */
async function eachEntry<T>(relative: string, entries: T[], write: (entry: T) => Promise<{ created: boolean; unchanged?: boolean }>) {
  let changed = 0;
  for (const [i, entry] of entries.entries()) {
    try {
      const result = await write(entry);
      if (result.created || result.unchanged === false) changed++;
    } catch (error) {
      if (!(error instanceof CatalogWriteError)) throw error;
      const where = describePath([i, ...error.field.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p))]);
      throw new ContentFileError(`${relative}: campo «${where}»: ${error.message}`);
    }
  }
  return changed;
}

export const catalogSeed: SeedStep = {
  name: "catalogo",
  async run({ db, seedDir, root }) {
    const file = (name: string) => path.join(seedDir, name);
    const relative = (name: string) => path.relative(root, file(name));
    const toolRows = await loadYaml(file("tools.yaml"), z.array(ToolSeed), root);
    const categoryRows = await loadYaml(file("categories.yaml"), z.array(CategorySeed), root);
    const aggregatorRows = await loadYaml(file("aggregators.yaml"), z.array(AggregatorSeed), root);
    const conventionFiles: { name: string; rows: ConventionInput[] }[] = [];
    for (const name of CONVENTION_FILES) conventionFiles.push({ name, rows: await loadYaml(file(name), z.array(ConventionSeed), root) });
    const initiativeRows = await loadYaml(file("initiatives.yaml"), z.array(InitiativeSeed), root);
    const planRows = await loadYaml(file("plans.yaml"), z.array(PlanSeed), root);

    const toolIds = new Set(toolRows.map((t) => t.id));
    for (const [i, t] of toolRows.entries()) {
      for (const [j, link] of t.links.entries()) {
        if (!toolIds.has(link.to)) {
          throw new ContentFileError(`${relative("tools.yaml")}: campo «${describePath([i, "links", j, "to"])}»: piattaforma «${link.to}» non presente`);
        }
      }
    }

    let changed = 0;
    await db.transaction(async (tx) => {
      for (const t of toolRows) {
        const row = { id: t.id, name: t.name, kind: t.kind, url: t.url ?? null, description: t.description, isExample: t.example };
        await tx.insert(tools).values(row).onConflictDoUpdate({ target: tools.id, set: excluded(["name", "kind", "url", "description", "isExample"]) });
      }
      for (const t of toolRows) {
        for (const link of t.links) {
          await tx
            .insert(toolLinks)
            .values({ fromToolId: t.id, toToolId: link.to, description: link.description })
            .onConflictDoUpdate({ target: [toolLinks.fromToolId, toolLinks.toToolId], set: excluded(["description"]) });
        }
      }
      await eachEntry(relative("categories.yaml"), categoryRows, (c) => saveCategory(c, { tx }));
      await eachEntry(relative("aggregators.yaml"), aggregatorRows, (a) => saveAggregator(a, { tx }));
      for (const { name, rows } of conventionFiles) {
        changed += await eachEntry(relative(name), rows, (c) => saveConvention(c, { tx, upsert: true }));
      }
      changed += await eachEntry(relative("initiatives.yaml"), initiativeRows, (i) => saveInitiative(i, { tx, upsert: true }));
      changed += await eachEntry(relative("plans.yaml"), planRows, (p) => savePlan(p, { tx }));
    });
    // The search index's Italian stems for what was just written, so a seeded database is complete.
    await refreshSearchStems(db);
    const conventionCount = conventionFiles.reduce((n, f) => n + f.rows.length, 0);
    return (
      `${aggregatorRows.length} soggetti aggregatori, ${categoryRows.length} categorie, ${toolRows.length} strumenti, ` +
      `${conventionCount} convenzioni, ${initiativeRows.length} iniziative congiunte, ${planRows.length} piani (${changed} voci nuove o modificate)`
    );
  },
};

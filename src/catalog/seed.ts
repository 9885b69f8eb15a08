import path from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { aggregators, categories, categoryCpvCodes, toolLinks, tools } from "@db/schema";
import { loadYaml, ContentFileError } from "@/lib/content-files";
import type { SeedStep } from "@/seed";
import { AggregatorSeed, CategorySeed, ToolSeed } from "./seed-schema";

/** Upsert helper: on conflict, overwrite every column but the key with the new row. */
function excluded(columns: string[]) {
  return Object.fromEntries(columns.map((c) => [c, sql.raw(`excluded.${c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)}`)]));
}

export const catalogSeed: SeedStep = {
  name: "catalogo",
  async run({ db, seedDir, root }) {
    const file = (name: string) => path.join(seedDir, name);
    const toolRows = await loadYaml(file("tools.yaml"), z.array(ToolSeed), root);
    const categoryRows = await loadYaml(file("categories.yaml"), z.array(CategorySeed), root);
    const aggregatorRows = await loadYaml(file("aggregators.yaml"), z.array(AggregatorSeed), root);

    const toolIds = new Set(toolRows.map((t) => t.id));
    for (const [i, agg] of aggregatorRows.entries()) {
      if (agg.platform && !toolIds.has(agg.platform)) {
        throw new ContentFileError(
          `content/seed/aggregators.yaml: campo «voce ${i + 1} › platform»: piattaforma «${agg.platform}» non presente in tools.yaml`,
        );
      }
    }

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
      for (const c of categoryRows) {
        await tx
          .insert(categories)
          .values({ id: c.id, name: c.name, description: c.description })
          .onConflictDoUpdate({ target: categories.id, set: excluded(["name", "description"]) });
        for (const cpv of c.cpv) {
          await tx
            .insert(categoryCpvCodes)
            .values({ categoryId: c.id, code: cpv.code, label: cpv.label })
            .onConflictDoUpdate({ target: [categoryCpvCodes.categoryId, categoryCpvCodes.code], set: excluded(["label"]) });
        }
      }
      for (const a of aggregatorRows) {
        const row = {
          id: a.id,
          name: a.name,
          shortName: a.shortName,
          kind: a.kind,
          region: a.region,
          territory: a.territory,
          website: a.website ?? null,
          platformId: a.platform ?? null,
          email: a.email ?? null,
          phone: a.phone ?? null,
          address: a.address ?? null,
          description: a.description,
          isExample: a.example,
        };
        await tx
          .insert(aggregators)
          .values(row)
          .onConflictDoUpdate({
            target: aggregators.id,
            set: excluded(["name", "shortName", "kind", "region", "territory", "website", "platformId", "email", "phone", "address", "description", "isExample"]),
          });
      }
    });
    return `${aggregatorRows.length} soggetti aggregatori, ${categoryRows.length} categorie, ${toolRows.length} strumenti`;
  },
};

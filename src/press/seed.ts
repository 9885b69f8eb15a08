/**
 * Seed step: the press releases and news in content/seed/press/*.md
 * (YAML frontmatter + Markdown body). New items are published through the
 * same path as the back office (announcement and audit included); items
 * already present are updated in place, so a second run changes nothing.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { parse } from "yaml";
import { z } from "zod";
import { aggregators, categories, pressReleases, pressReleaseTags, PRESS_KINDS } from "@db/schema";
import { ContentFileError, validate } from "@/lib/content-files";
import type { SeedStep } from "@/lib/seed-step";
import { savePressRelease } from "./write";
import { slugRule } from "@/lib/field-rules";

const Frontmatter = z.object({
  slug: slugRule("solo lettere minuscole, cifre e trattini", "manca lo slug").max(100),
  kind: z.enum(PRESS_KINDS, { message: "tipo non valido: usa press_release (comunicato stampa) oppure news (notizia)" }),
  title: z.string({ message: "manca il titolo" }).trim().min(3, "il titolo deve avere almeno 3 caratteri").max(200, "il titolo può avere al massimo 200 caratteri"),
  summary: z.string().trim().max(500, "il sommario può avere al massimo 500 caratteri").default(""),
  /** Publication date shown on the site. */
  date: z.coerce.date({ message: "data non valida: usa AAAA-MM-GG oppure AAAA-MM-GGTHH:MM:SS+01:00" }),
  aggregators: z.array(z.string(), { message: "deve essere un elenco di identificativi" }).default([]),
  categories: z.array(z.string(), { message: "deve essere un elenco di identificativi" }).default([]),
  contact: z.string().trim().max(2000, "i contatti possono avere al massimo 2000 caratteri").default(""),
  example: z.boolean({ message: "deve essere true oppure false" }).default(false),
});

const SEED_ACTOR = { id: null, label: "caricamento dati dimostrativi" };

async function readItem(file: string, root: string) {
  const label = path.relative(root, file);
  const raw = await readFile(file, "utf8");
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(raw);
  if (!match) throw new ContentFileError(`${label}: manca l'intestazione YAML tra due righe «---»`);
  let data: unknown;
  try {
    data = parse(match[1]!);
  } catch (error) {
    throw new ContentFileError(`${label}: intestazione YAML non valida (${(error as Error).message.split("\n")[0]})`);
  }
  const meta = validate(label, data, Frontmatter);
  const body = match[2]!.trim();
  if (!body) throw new ContentFileError(`${label}: campo «testo»: il testo dopo l'intestazione è vuoto`);
  return { label, meta, body };
}

export const pressSeed: SeedStep = {
  name: "sala stampa",
  async run({ db, seedDir, root }) {
    const dir = path.join(seedDir, "press");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".md")).sort();
    const items = await Promise.all(files.map((f) => readItem(path.join(dir, f), root)));
    const knownAggregators = new Set((await db.select({ id: aggregators.id }).from(aggregators)).map((r) => r.id));
    const knownCategories = new Set((await db.select({ id: categories.id }).from(categories)).map((r) => r.id));
    for (const { label, meta } of items) {
      meta.aggregators.forEach((id, i) => {
        if (!knownAggregators.has(id)) throw new ContentFileError(`${label}: campo «aggregators › voce ${i + 1}»: soggetto aggregatore «${id}» non presente in aggregators.yaml`);
      });
      meta.categories.forEach((id, i) => {
        if (!knownCategories.has(id)) throw new ContentFileError(`${label}: campo «categories › voce ${i + 1}»: categoria «${id}» non presente in categories.yaml`);
      });
    }
    let created = 0;
    for (const { meta, body } of items) {
      const [existing] = await db.select({ id: pressReleases.id }).from(pressReleases).where(eq(pressReleases.slug, meta.slug));
      if (existing) {
        await db.transaction(async (tx) => {
          await tx
            .update(pressReleases)
            .set({ kind: meta.kind, title: meta.title, summary: meta.summary, bodyMarkdown: body, contactBlock: meta.contact, isExample: meta.example })
            .where(eq(pressReleases.id, existing.id));
          await tx.delete(pressReleaseTags).where(eq(pressReleaseTags.pressReleaseId, existing.id));
          const tags = [
            ...meta.aggregators.map((tagId) => ({ pressReleaseId: existing.id, tagType: "aggregator" as const, tagId })),
            ...meta.categories.map((tagId) => ({ pressReleaseId: existing.id, tagType: "category" as const, tagId })),
          ];
          if (tags.length) await tx.insert(pressReleaseTags).values(tags);
        });
        continue;
      }
      await savePressRelease(
        undefined,
        {
          slug: meta.slug,
          kind: meta.kind,
          title: meta.title,
          summary: meta.summary,
          body,
          contactBlock: meta.contact,
          aggregators: meta.aggregators,
          categories: meta.categories,
          status: "published",
          publishAt: "",
          attachmentIds: [],
          removeAttachments: [],
          isExample: meta.example,
        },
        SEED_ACTOR,
        { now: meta.date, db },
      );
      created++;
    }
    return `${items.length} comunicati e notizie (${created} nuovi)`;
  },
};

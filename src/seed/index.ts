/**
 * Loads the demonstration data in content/seed into the database. Every step
 * is idempotent (upserts by slug), so running it twice changes nothing.
 */
import path from "node:path";
import type { Database } from "@/lib/db";
import { catalogSeed } from "@/catalog";
import { pressSeed } from "@/press";
import { learningSeed } from "@/learning";
import type { SeedContext, SeedStep } from "@/lib/seed-step";

const SEED_STEPS: SeedStep[] = [catalogSeed, learningSeed, pressSeed];

export async function seedDatabase(
  db: Database,
  options: { root: string; progress?: (message: string) => void },
): Promise<string[]> {
  const ctx: SeedContext = {
    db,
    root: options.root,
    seedDir: path.join(options.root, "content/seed"),
    progress: options.progress ?? (() => {}),
  };
  const summaries: string[] = [];
  for (const step of SEED_STEPS) {
    ctx.progress(`caricamento ${step.name}`);
    summaries.push(await step.run(ctx));
  }
  return summaries;
}

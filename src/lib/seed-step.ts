/** The shape of one step of the demonstration-data loader; `src/seed/index.ts` lists the steps. */
import type { Database } from "@/lib/db";

export interface SeedContext {
  db: Database;
  /** Folder holding the YAML seed files (content/seed). */
  seedDir: string;
  /** Project root, for file names in error messages. */
  root: string;
  progress(message: string): void;
}

export interface SeedStep {
  name: string;
  /** Returns a short summary such as "7 aggregatori, 10 categorie". */
  run(ctx: SeedContext): Promise<string>;
}

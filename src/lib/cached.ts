/**
 * Per-process caches of small tables that pages read on every request and
 * people rarely change (the current course structures, the catalog filter
 * lists). Each cache has a generation counter in `cache_generations`, which
 * triggers on its tables bump on every insert, update or delete: whichever
 * process, command or branch of the code writes, the next read here sees the
 * new generation (one primary-key lookup) and loads again.
 */
import { eq, sql } from "drizzle-orm";
import { cacheGenerations } from "@db/schema";
import type { Database } from "@/lib/db";

export type CacheName = "course-versions" | "catalog-filters";

type Reader = Pick<Database, "select">;

export interface GenerationCache<T> {
  /** The cached value for `db`, loaded again when its generation moved (or on another database). */
  get(db: Reader): Promise<T>;
}

/** The generation lookup, prepared once per database. */
const lookups = new WeakMap<object, { all(values: { name: string }): Promise<{ generation: number }[]> }>();

function generationOf(db: Reader, name: CacheName): Promise<{ generation: number }[]> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = db
      .select({ generation: cacheGenerations.generation })
      .from(cacheGenerations)
      .where(eq(cacheGenerations.name, sql.placeholder("name")))
      .prepare();
    lookups.set(db, lookup);
  }
  return lookup.all({ name });
}

export function generationCache<T>(name: CacheName, load: (db: Reader) => Promise<T>): GenerationCache<T> {
  let entry: { db: Reader; generation: number; value: Promise<T> } | undefined;
  return {
    async get(db) {
      const [row] = await generationOf(db, name);
      // No counter (a database from before the cache existed): read every time.
      if (!row) return load(db);
      if (entry && entry.db === db && entry.generation === row.generation) return entry.value;
      // Read after the generation: a write in between only makes the next read load again.
      const value = load(db);
      entry = { db, generation: row.generation, value };
      value.catch(() => {
        if (entry?.value === value) entry = undefined;
      });
      return value;
    },
  };
}

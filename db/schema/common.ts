import { sql } from "drizzle-orm";
import { integer } from "drizzle-orm/sqlite-core";

/** Unix milliseconds; set by the database so every process agrees on the clock source. */
export const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

export const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

/** Demonstration rows that are not facts from the seeds are flagged and shown as examples. */
export const isExample = () => integer("is_example", { mode: "boolean" }).notNull().default(false);

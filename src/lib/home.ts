import { count } from "drizzle-orm";
import { aggregators, categories, conventions } from "@db/schema";
import { getDb } from "@/lib/db";

/** Live counts for the home page. */
export async function getHomeFigures() {
  const db = await getDb();
  const [a, c, v] = await Promise.all([
    db.select({ n: count() }).from(aggregators),
    db.select({ n: count() }).from(categories),
    db.select({ n: count() }).from(conventions),
  ]);
  return { aggregators: a[0]?.n ?? 0, categories: c[0]?.n ?? 0, conventions: v[0]?.n ?? 0 };
}

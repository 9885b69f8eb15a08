import { count } from "drizzle-orm";
import { aggregators, categories, conventions } from "@db/schema";
import { EXPIRING_DAYS, searchConventions } from "@/catalog";
import { getDb } from "@/lib/db";
import { courseCatalog } from "@/learning";
import { listPublished } from "@/press";

/** How many items each home section lists before its "see all" link. */
export const HOME_LIST_SIZE = 4;

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

/** Everything the home page shows: figures, conventions expiring soon, the latest press items and the courses. */
export async function getHomePage() {
  const [figures, expiring, press, courses] = await Promise.all([
    getHomeFigures(),
    searchConventions({ expiring: true, sort: "scadenza", page: 1 }, { pageSize: HOME_LIST_SIZE }),
    listPublished({ page: 1 }),
    courseCatalog(null),
  ]);
  return {
    figures,
    expiring: { items: expiring.items, total: expiring.total, days: EXPIRING_DAYS },
    press: press.items.slice(0, HOME_LIST_SIZE - 1),
    courses: courses.map((entry) => entry.course),
  };
}

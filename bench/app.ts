/**
 * What the benchmark knows about Aggrega itself: which pages to load, how a
 * learner signs in and marks a lesson done, and how an announcement is made.
 * Everything goes through the schema and the domain modules, never around them.
 */
import { randomBytes } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import { announcements, deliveries, lessonCompletions, sessions } from "@db/schema";
import { announce } from "@/outbox";
import { SESSION_COOKIE_NAME } from "@/accounts/session";
import type { Database } from "@/lib/db";
import type { GeneratedData } from "./generate";
import type { PageTarget } from "./scenarios/pages";
import type { ProgressRequest, ProgressWrite } from "./scenarios/progress";

/**
 * Sessions for learners, written where lucia keeps them (one row per
 * session, expiry in seconds) and far enough from expiry that lucia does not
 * extend them mid-run. Returns the Cookie header value per learner.
 */
export async function createLearnerSessions(db: Database, userIds: string[]): Promise<Map<string, string>> {
  const expiresAt = Math.floor(Date.now() / 1000) + 29 * 86_400;
  const rows = userIds.map((userId) => ({ id: randomBytes(20).toString("hex"), userId, expiresAt }));
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) await tx.insert(sessions).values(rows.slice(i, i + 500));
  });
  return new Map(rows.map((r) => [r.userId, `${SESSION_COOKIE_NAME}=${r.id}`]));
}

/** The page types the scenarios load. */
export function pageTargets(data: GeneratedData, learnerCookie: string, lesson: { course: string; lesson: string }): PageTarget[] {
  return [
    { name: "home", path: "/" },
    { name: "catalogo", path: "/convenzioni?q=pulizia&categoria=pulizia-uffici" },
    // A session cookie (here one matching no session) bypasses the micro-cache, whichever cookie rule it keys on:
    // this is the cost of rendering the search every time, one failed session lookup included.
    { name: "catalogo senza micro-cache", path: "/convenzioni?q=pulizia&categoria=pulizia-uffici", cookie: `${SESSION_COOKIE_NAME}=bench-nessuna-sessione` },
    { name: "comunicato", path: `/sala-stampa/${data.pressSlugs[Math.floor(data.pressSlugs.length / 2)]}` },
    { name: "lezione", path: `/formazione/${lesson.course}/${lesson.lesson}`, cookie: learnerCookie },
  ];
}

/** The plain form post a learner's "mark as done" button sends: a POST to the lesson's own URL. */
export function progressRequest(siteUrl: string, cookies: Map<string, string>) {
  return (write: ProgressWrite): ProgressRequest => ({
    path: `/formazione/${write.courseSlug}/${write.lessonSlug}`,
    headers: {
      cookie: cookies.get(write.userId)!,
      origin: siteUrl,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "",
  });
}

export async function countCompletions(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(lessonCompletions);
  return row?.n ?? 0;
}

/** How many of `writes` have no row in lesson_completions. */
export async function missingCompletions(db: Database, writes: ProgressWrite[]): Promise<number> {
  let missing = 0;
  const unique = [...new Map(writes.map((w) => [`${w.userId}/${w.courseSlug}/${w.lessonSlug}`, w])).values()];
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    const keys = sql.join(chunk.map((w) => sql`(${w.userId}, ${w.courseSlug}, ${w.lessonSlug})`), sql`, `);
    const [row] = await db
      .select({ n: count() })
      .from(lessonCompletions)
      .where(sql`(${lessonCompletions.userId}, ${lessonCompletions.courseSlug}, ${lessonCompletions.lessonSlug}) in (values ${keys})`);
    missing += chunk.length - (row?.n ?? 0);
  }
  return missing;
}

/** Publishes one announcement every benchmark subscriber matches; returns its event key. */
export async function announceToEveryone(db: Database, label: string): Promise<string> {
  const eventKey = `bench:${label}:${Date.now()}`;
  await db.transaction(async (tx) => {
    await announce(tx, {
      kind: "press",
      eventKey,
      entityType: "press_release",
      entityId: label,
      title: `Comunicato di prova del benchmark (${label})`,
      summary: "Un annuncio inviato a tutti gli iscritti per misurare l'invio degli avvisi.",
      path: "/sala-stampa",
    });
  });
  return eventKey;
}

/** Deliveries of one announcement recorded as sent. */
export async function sentDeliveries(db: Database, eventKey: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .innerJoin(announcements, eq(deliveries.announcementId, announcements.id))
    .where(and(eq(announcements.eventKey, eventKey), eq(deliveries.status, "sent")));
  return row?.n ?? 0;
}

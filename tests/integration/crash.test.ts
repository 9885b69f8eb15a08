/**
 * Processes killed (SIGKILL) in the middle of their work: a learner's
 * progress saves and press-release publications. After every kill the
 * database passes SQLite's integrity check, every transaction the process
 * reported as committed is there, and every other one is either whole or
 * absent (a publication always with exactly one announcement and one audit
 * entry; a lesson completion always with its enrolment pointing at it).
 * CRASH_KILLS sets the kills per scenario (default 3).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUserWithRole } from "../helpers/auth";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { recordFigure } from "../helpers/figures";

const KILLS = Math.max(1, Number(process.env.CRASH_KILLS ?? 3) || 3);

/** Runs the crash worker until it has committed at least `min` transactions plus a random extra delay, then SIGKILLs it. */
async function runAndKill(url: string, args: string[], min: number): Promise<string[]> {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/crash-worker.ts", url, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  // A loop, not vi.waitFor: it gives up at once if the process exits instead of waiting out the timeout.
  const deadline = Date.now() + 240_000;
  while (out.split("\n").filter(Boolean).length < min) {
    if (child.exitCode !== null) throw new Error(`crash worker exited early (${child.exitCode}): ${err}`);
    if (Date.now() > deadline) throw new Error(`crash worker too slow: ${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  // Part of what is tested: a random extra moment, so the kill lands at a different point of a transaction each time.
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  // Only whole lines were written before the kill.
  return out.split("\n").filter((l) => l.startsWith("done "));
}

const figures = { kills: 0, transactionsReported: 0, rowsChecked: 0 };

describe("a process killed mid-transaction leaves all or nothing", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    recordFigure("crash", { ...figures, killsPerScenario: KILLS });
    await db.cleanup();
  });

  async function integrity() {
    const result = await db.client.execute("PRAGMA integrity_check");
    expect(result.rows[0]![0]).toBe("ok");
  }

  it("while saving learners' progress", async () => {
    const learners = await Promise.all([1, 2, 3].map((n) => createUserWithRole("learner", { email: `arresto${n}@prova.example.it` })));
    for (let kill = 0; kill < KILLS; kill += 1) {
      const reported = await runAndKill(db.url, ["progress", ...learners.map((l) => l.id)], 3 + kill * 2);
      figures.kills += 1;
      figures.transactionsReported += reported.length;
      await integrity();
      const completions = await db.client.execute("SELECT user_id, course_slug, lesson_slug FROM lesson_completions");
      const have = new Set(completions.rows.map((r) => `${r.user_id} ${r.course_slug} ${r.lesson_slug}`));
      for (const line of reported) expect(have).toContain(line.slice("done ".length));
      // Each completion came with its enrolment in the same transaction, and the position points at a completed lesson.
      const orphans = await db.client.execute(
        "SELECT count(*) FROM lesson_completions c LEFT JOIN enrolments e ON e.user_id = c.user_id AND e.course_slug = c.course_slug WHERE e.user_id IS NULL",
      );
      expect(Number(orphans.rows[0]![0])).toBe(0);
      const dangling = await db.client.execute(
        "SELECT count(*) FROM enrolments e WHERE e.last_lesson_slug IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lesson_completions c WHERE c.user_id = e.user_id AND c.course_slug = e.course_slug AND c.lesson_slug = e.last_lesson_slug)",
      );
      expect(Number(dangling.rows[0]![0])).toBe(0);
      const duplicates = await db.client.execute("SELECT count(*) FROM (SELECT 1 FROM lesson_completions GROUP BY user_id, course_slug, lesson_slug HAVING count(*) > 1)");
      expect(Number(duplicates.rows[0]![0])).toBe(0);
      figures.rowsChecked += completions.rows.length;
    }
  }, 900_000);

  it("while publishing press releases", async () => {
    for (let kill = 0; kill < KILLS; kill += 1) {
      const reported = await runAndKill(db.url, ["publish"], 2 + kill);
      figures.kills += 1;
      figures.transactionsReported += reported.length;
      await integrity();
      const releases = await db.client.execute(
        `SELECT r.id, r.status,
           (SELECT count(*) FROM announcements a WHERE a.event_key = 'press:' || r.id || ':published') AS announced,
           (SELECT count(*) FROM audit_log l WHERE l.action = 'press.published' AND l.entity_id = CAST(r.id AS TEXT)) AS audited
         FROM press_releases r WHERE r.title LIKE 'Comunicato di prova %'`,
      );
      const published = new Set(releases.rows.filter((r) => r.status === "published").map((r) => Number(r.id)));
      for (const line of reported) expect(published).toContain(Number(line.slice("done ".length)));
      for (const r of releases.rows) {
        const whole = r.status === "published" ? { announced: 1, audited: 1 } : { announced: 0, audited: 0 };
        expect({ id: Number(r.id), status: r.status, announced: Number(r.announced), audited: Number(r.audited) }).toEqual({ id: Number(r.id), status: r.status, ...whole });
      }
      figures.rowsChecked += releases.rows.length;
    }
  }, 900_000);
});

/**
 * One reminder pass in a process of its own, started on cue, for the
 * two-process race in tests/integration/assignments-workers.test.ts:
 * prints "ready" once the database is open, runs
 * sendAssignmentReminders() when it reads "go" on stdin, waits until the
 * queue it filled is sent, prints the pass as JSON and exits.
 */
import { sql } from "drizzle-orm";
import { sendAssignmentReminders } from "@/learning";
import { closeDatabase, getDb } from "@/lib/db";

const db = await getDb();
await db.run(sql`SELECT 1`);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
const pass = await sendAssignmentReminders();
// Mail queued by either process is sent by the sender that queueMail nudges; wait until none is left.
for (const started = Date.now(); Date.now() - started < 60_000; ) {
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM outbound_mail WHERE status = 'queued'`);
  if (Number(row!.n) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(`${JSON.stringify(pass)}\n`);
await closeDatabase();
process.exit(0);

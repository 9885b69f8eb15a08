/**
 * Two processes run the reminder pass at the same moment on one database:
 * both read that nobody got the assignment mail yet, and the primary key of
 * assignment_reminders, written in the transaction that queues each mail,
 * lets exactly one of them queue each reminder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { assignmentReminders, outboundMail, users } from "@db/schema";
import { createAssignment, type ReminderPass } from "@/learning";
import { addDays, todayInItaly } from "@/lib/dates";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

const PEOPLE = 150;
let tdb: TestDatabase;
let sink: SmtpSink;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await sink.close();
  await tdb.cleanup();
});

/** A process that runs one pass when told to; resolves once it is ready. */
async function startPass(): Promise<{ go(): void; result: Promise<ReminderPass> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/assignment-pass.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: tdb.url, SMTP_URL: sink.url, SITE_URL: "https://aggrega.example.it", LOG_LEVEL: "warn" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  let errors = "";
  child.stderr!.on("data", (c) => (errors += c));
  const lines = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (c) => {
      output += c;
      if (output.startsWith("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`pass process exited (${code}) before it was ready: ${errors}`)));
  });
  await lines;
  const result = new Promise<ReminderPass>((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(output.split("\n")[1]!)) : reject(new Error(`pass process failed (${code}): ${errors}`)))),
  );
  return { go: () => child.stdin!.end("go\n"), result };
}

it("two processes passing at once queue and send each assignment mail exactly once", { timeout: 180_000 }, async () => {
  // Assigned to a domain nobody has registered with yet: the mails are the passes' to send.
  const { id, queued } = await createAssignment(
    { courseSlug: "aggregatori-e-convenzioni", emails: [], domains: ["comune-gara.example.it"], dueDate: addDays(todayInItaly(), 20), assignedByLabel: "Ufficio formazione" },
    { id: null, label: "test" },
  );
  expect(queued).toBe(0);
  await tdb.db.insert(users).values(
    Array.from({ length: PEOPLE }, (_, i) => ({
      id: randomUUID(),
      email: `persona${i}@comune-gara.example.it`,
      name: `Persona ${i}`,
      passwordHash: "not-a-real-hash",
      emailVerifiedAt: new Date(),
    })),
  );
  const passes = await Promise.all([startPass(), startPass()]);
  for (const p of passes) p.go();
  const results = await Promise.all(passes.map((p) => p.result));
  // Both processes exited after the queue emptied: nothing can arrive late, so count now.
  expect(results.reduce((n, r) => n + r.queued.assigned, 0)).toBe(PEOPLE);
  const recipients = sink.messages.map((m) => (Array.isArray(m.to) ? "" : m.to?.text));
  expect(recipients).toHaveLength(PEOPLE);
  expect(new Set(recipients).size).toBe(PEOPLE);
  expect(await tdb.db.select().from(assignmentReminders).where(eq(assignmentReminders.assignmentId, id))).toHaveLength(PEOPLE);
  expect(await tdb.db.select().from(outboundMail).where(eq(outboundMail.kind, "training_assigned"))).toHaveLength(PEOPLE);
});

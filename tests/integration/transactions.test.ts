/**
 * Interactive transactions in one process. On a file database a second
 * `db.transaction` opened while another is still running used to wait in
 * SQLite's busy handler, which blocks the event loop the first one needs in
 * order to finish: the process froze for the whole busy timeout and the
 * request failed. They now queue in JavaScript.
 */
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseVersions, pressReleases, quizAttempts, users } from "@db/schema";
import { completeLesson, enrol, lessonsOf, quizPage, submitQuiz } from "@/learning";
import { savePressRelease } from "@/press";
import { createUser } from "@/accounts";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { TEST_PASSWORD } from "../helpers/auth";

const COURSE = "aggregatori-e-convenzioni";

/** The busy timeout the database layer sets: a freeze would last this long. */
const BUSY_TIMEOUT_MS = 5000;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ seed: true });
});
afterAll(async () => t.cleanup());

async function learnerAtTheQuiz(): Promise<{ id: string; answers: Record<string, string[]>; token: string }> {
  const id = randomUUID();
  await t.db.insert(users).values({ id, email: `${id.slice(0, 8)}@esempio.it`, name: "Persona in formazione", passwordHash: "not-a-real-hash" });
  await enrol(id, COURSE);
  const [version] = await t.db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, COURSE), eq(courseVersions.isCurrent, true)));
  for (const lesson of lessonsOf(version!.structure)) await completeLesson(id, COURSE, lesson.slug);
  const page = (await quizPage(COURSE, id))!;
  const bank = new Map(version!.structure.quiz.map((q) => [q.id, q]));
  const answers = Object.fromEntries(page.questions.map((q) => [q.id, bank.get(q.id)!.correct]));
  return { id, answers, token: page.drawToken! };
}

describe("interactive transactions in one process", () => {
  it("run two quiz submissions and a press publication at once without stalling the event loop", async () => {
    const [first, second] = [await learnerAtTheQuiz(), await learnerAtTheQuiz()];
    const editor = await createUser({ email: `redazione-${randomUUID().slice(0, 8)}@example.it`, name: "Rita Redazione", role: "editor", password: TEST_PASSWORD });

    // The longest stop of the event loop while the transactions run.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let results: Awaited<ReturnType<typeof submitQuiz>>[];
    let published: { id: number; slug: string };
    try {
      [results, published] = await Promise.all([
        Promise.all([submitQuiz(first.id, COURSE, first.token, first.answers), submitQuiz(second.id, COURSE, second.token, second.answers)]),
        savePressRelease(
          undefined,
          {
            kind: "press_release",
            title: `Comunicato concorrente ${randomUUID().slice(0, 6)}`,
            summary: "Sommario di prova",
            body: "Testo del comunicato.",
            contactBlock: "Ufficio stampa",
            aggregators: ["consip"],
            categories: ["pulizia-uffici"],
            publishAt: "",
            status: "published",
            attachmentIds: [],
            removeAttachments: [],
          },
          { id: editor.id, label: "Rita Redazione (editor)" },
        ),
      ]);
    } finally {
      delay.disable();
    }

    expect(results.map((r) => r.status)).toEqual(["graded", "graded"]);
    expect(results.every((r) => r.status === "graded" && r.passed && r.certificateCode)).toBe(true);
    const attempts = await t.db.select().from(quizAttempts).where(eq(quizAttempts.courseSlug, COURSE));
    expect(attempts.filter((a) => a.userId === first.id || a.userId === second.id)).toHaveLength(2);
    const [release] = await t.db.select().from(pressReleases).where(eq(pressReleases.id, published.id));
    expect(release?.status).toBe("published");

    // No stop anywhere near the busy timeout: a freeze lasts all of it.
    expect(delay.max / 1e6).toBeLessThan(BUSY_TIMEOUT_MS / 2);
  });
});

describe("a lesson view", () => {
  it("records the last lesson opened only when it changes: viewing it again writes nothing", async () => {
    const { sql } = await import("drizzle-orm");
    const { openLesson } = await import("@/learning");
    const { enrolments } = await import("@db/schema");
    const id = randomUUID();
    await t.db.insert(users).values({ id, email: `${id.slice(0, 8)}@esempio.it`, name: "Persona in formazione", passwordHash: "not-a-real-hash" });
    await enrol(id, COURSE);
    const [version] = await t.db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, COURSE), eq(courseVersions.isCurrent, true)));
    const [first, second] = lessonsOf(version!.structure);
    // Rows this connection has written so far (SQLite's own count).
    const written = async () => Number(Object.values((await t.db.get<Record<string, number>>(sql`SELECT total_changes()`))!)[0]);
    const lastOpened = async () => (await t.db.select().from(enrolments).where(eq(enrolments.userId, id)))[0]?.lastLessonSlug;

    await openLesson(COURSE, second!.slug, id);
    expect(await lastOpened()).toBe(second!.slug);
    const before = await written();
    await openLesson(COURSE, second!.slug, id);
    expect(await written()).toBe(before);
    await openLesson(COURSE, first!.slug, id);
    expect(await lastOpened()).toBe(first!.slug);
    expect(await written()).toBe(before + 1);
  });
});

import { createHash, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, certificates, courseVersions, quizAttempts, quizDraws, users, type CourseStructure } from "@db/schema";
import { QuizFile } from "@/learning/schema";
import { ContentFileError } from "@/lib/content-files";
import {
  badgeAssertion,
  badgeClass,
  certificatePdf,
  completeLesson,
  courseDetail,
  coursesForAggregator,
  coursesForConvention,
  drawQuiz,
  enrol,
  gradeQuiz,
  issuerProfile,
  issuerProfileV3,
  signedCredential,
  credentialJwks,
  learnerDashboard,
  learningReport,
  lessonsOf,
  newCertificateCode,
  NO_ORGANISATION,
  quizPage,
  reportCsv,
  revokeCertificate,
  submitQuiz,
  syncCourses,
  verifyCertificate,
  type Grade,
} from "@/learning";
import type { Database } from "@/lib/db";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const COURSE = "aggregatori-e-convenzioni";

async function addUser(db: Database, name: string, organisation = "") {
  const id = randomUUID();
  await db.insert(users).values({ id, email: `${id.slice(0, 8)}@esempio.it`, name, organisation, passwordHash: "not-a-real-hash" });
  return id;
}

async function structureOf(db: Database, slug: string) {
  const [row] = await db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, slug), eq(courseVersions.isCurrent, true)));
  return row!.structure;
}

/** Opens the quiz page (which draws the questions) and answers the drawn questions: all right, or only the first `right`. */
async function sit(db: Database, userId: string, slug: string, right = Infinity) {
  const page = (await quizPage(slug, userId))!;
  const bank = new Map((await structureOf(db, slug)).quiz.map((q) => [q.id, q]));
  const answers = Object.fromEntries(
    page.questions.map((shown, i) => {
      const q = bank.get(shown.id)!;
      return [q.id, i < right ? q.correct : q.options.filter((o) => !q.correct.includes(o.id)).slice(0, 1).map((o) => o.id)];
    }),
  );
  return submitQuiz(userId, slug, page.drawToken ?? "nessuna", answers);
}

async function finishLessons(db: Database, userId: string, slug: string) {
  for (const lesson of lessonsOf(await structureOf(db, slug))) {
    expect(await completeLesson(userId, slug, lesson.slug)).toMatchObject({ ok: true });
  }
}

describe("the three courses in content/courses", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  it("are synced by db:seed, each with at least four lessons and a mixed quiz of six or more questions with explanations", async () => {
    const rows = await t.db.select().from(courseVersions).where(eq(courseVersions.isCurrent, true));
    expect(rows.map((r) => r.courseSlug).sort()).toEqual(["aggregatori-e-convenzioni", "partecipare-alle-gare-aggregate", "piattaforme-e-interoperabilita"]);
    for (const { structure } of rows) {
      expect(lessonsOf(structure).length).toBeGreaterThanOrEqual(4);
      expect(structure.quiz.length).toBeGreaterThanOrEqual(6);
      expect(new Set(structure.quiz.map((q) => q.kind))).toEqual(new Set(["single", "multiple"]));
      for (const q of structure.quiz) expect(q.explanation.length).toBeGreaterThan(10);
    }
    expect(await syncCourses(t.db, ROOT)).toEqual({ created: [], unchanged: rows.map((r) => r.courseSlug).sort(), retired: [] });
  });

  it("shows the syllabus to anonymous visitors without quiz answers", async () => {
    const detail = await courseDetail(COURSE, null);
    expect(detail?.state).toBeNull();
    expect(detail?.course.modules.length).toBeGreaterThan(0);
    expect(detail?.course).not.toHaveProperty("quiz");
    expect(JSON.stringify(detail)).not.toContain("explanation");
    const page = await quizPage(COURSE, await addUser(t.db, "Curiosa"));
    expect(JSON.stringify(page?.questions)).not.toMatch(/correct|explanation/);
  });

  it("links courses to the catalog entries their lessons discuss", async () => {
    const forConvention = await coursesForConvention("vigilanza-armata-cm-milano");
    expect(forConvention.map((c) => c.slug)).toEqual(["aggregatori-e-convenzioni", "partecipare-alle-gare-aggregate"]);
    expect(forConvention[0]!.lessons.map((l) => l.slug)).toContain("obblighi-e-parametri");
    expect((await coursesForAggregator("intercent-er")).length).toBe(3);
    expect(await coursesForConvention("non-esiste")).toEqual([]);
  });
});

describe("quiz grading", () => {
  const quiz = [
    { id: "uno", kind: "single" as const, prompt: "Domanda a risposta singola", options: [{ id: "a", text: "A" }, { id: "b", text: "B" }], correct: ["a"], explanation: "Perché A." },
    {
      id: "due",
      kind: "multiple" as const,
      prompt: "Domanda a risposta multipla",
      options: [{ id: "x", text: "X" }, { id: "y", text: "Y" }, { id: "z", text: "Z" }],
      correct: ["x", "y"],
      explanation: "X e Y.",
    },
  ];
  const feedback = (g: Grade, id: string) => g.feedback.find((f) => f.id === id)!;

  it("scores single and multiple choice only on exact answers", () => {
    expect(gradeQuiz(quiz, { uno: ["a"], due: ["y", "x"] })).toMatchObject({ score: 100, correctCount: 2, total: 2 });
    expect(gradeQuiz(quiz, { uno: ["b"], due: ["x", "y", "z"] })).toMatchObject({ score: 0, correctCount: 0 });
    expect(gradeQuiz(quiz, {})).toMatchObject({ score: 0, answers: { uno: [], due: [] } });
  });

  it("marks partial multiple-choice answers as wrong but says they were partial", () => {
    const g = gradeQuiz(quiz, { uno: ["a"], due: ["x"] });
    expect(g.score).toBe(50);
    expect(feedback(g, "due")).toMatchObject({ isCorrect: false, partial: true, explanation: "X e Y." });
    expect(feedback(gradeQuiz(quiz, { due: ["x", "z"] }), "due").partial).toBe(false);
  });

  it("ignores tampered option and question ids and refuses two answers to a single-choice question", () => {
    const g = gradeQuiz(quiz, { uno: ["a", "a", "<script>"], due: ["x", "y", "nope"], estranea: ["a"] });
    expect(g.score).toBe(100);
    expect(g.answers).toEqual({ uno: ["a"], due: ["x", "y"] });
    expect(feedback(gradeQuiz(quiz, { uno: ["a", "b"] }), "uno").isCorrect).toBe(false);
  });
});

describe("progress, attempts and certificates on a real course", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  it("derives progress from completed lessons and resumes where the learner stopped", async () => {
    const user = await addUser(t.db, "Paola Rossi", "Comune di Alfa");
    expect(await enrol(user, COURSE)).toMatchObject({ ok: true, firstLesson: "cosa-sono-i-soggetti-aggregatori" });
    expect(await enrol(user, COURSE)).toMatchObject({ ok: true });
    expect(await completeLesson(user, COURSE, "strumenti-di-acquisto")).toEqual({ ok: true, next: "aderire-a-una-convenzione", allDone: false });
    expect(await completeLesson(user, COURSE, "strumenti-di-acquisto")).toMatchObject({ ok: true });
    expect(await completeLesson(user, COURSE, "non-esiste")).toEqual({ ok: false });
    const detail = await courseDetail(COURSE, user);
    expect(detail?.state?.progress).toMatchObject({ totalLessons: 6, completedLessons: 1, percent: 16, addedSinceEnrolment: 0 });
    expect(detail?.resume).toBe(`/formazione/${COURSE}/cosa-sono-i-soggetti-aggregatori`);
    const dashboard = await learnerDashboard(user);
    expect(dashboard.resume?.course.slug).toBe(COURSE);
    expect(dashboard.courses).toHaveLength(1);
  });

  it("opens the quiz only after every lesson, limits attempts and issues one certificate on passing", async () => {
    const user = await addUser(t.db, "Luca Bianchi");
    expect(await submitQuiz(user, COURSE, "", {})).toEqual({ status: "blocked", block: "not-enrolled" });
    await enrol(user, COURSE);
    expect(await submitQuiz(user, COURSE, "", {})).toEqual({ status: "blocked", block: "lessons-missing" });
    await finishLessons(t.db, user, COURSE);

    const failed = await sit(t.db, user, COURSE, 2);
    expect(failed).toMatchObject({ status: "graded", passed: false, attemptsLeft: 2, revealAnswers: false, certificateCode: null });
    const passed = await sit(t.db, user, COURSE);
    expect(passed).toMatchObject({ status: "graded", passed: true, attemptsLeft: 1, revealAnswers: true });
    const code = passed.status === "graded" ? passed.certificateCode! : "";
    expect(code).toMatch(/^[A-Z2-7]{24}$/);
    expect(await sit(t.db, user, COURSE)).toEqual({ status: "blocked", block: "passed" });
    expect(await t.db.select().from(certificates).where(eq(certificates.userId, user))).toHaveLength(1);
    expect((await courseDetail(COURSE, user))?.resume).toBe(`/attestati/${code}`);

    const unlucky = await addUser(t.db, "Sara Verdi");
    await enrol(unlucky, COURSE);
    await finishLessons(t.db, unlucky, COURSE);
    for (const left of [2, 1, 0]) {
      expect(await sit(t.db, unlucky, COURSE, 1)).toMatchObject({ status: "graded", passed: false, attemptsLeft: left });
    }
    expect(await sit(t.db, unlucky, COURSE)).toEqual({ status: "blocked", block: "no-attempts-left" });
    expect((await quizPage(COURSE, unlucky))?.state?.attempts).toHaveLength(3);
  });

  it("makes unguessable, unique codes", () => {
    const codes = new Set(Array.from({ length: 5000 }, newCertificateCode));
    expect(codes.size).toBe(5000);
    for (const code of [...codes].slice(0, 50)) expect(code).toMatch(/^[A-Z2-7]{24}$/);
  });

  it("verifies certificates as valid, revoked or unknown, everywhere", async () => {
    const user = await addUser(t.db, "Giulia Esposito");
    await enrol(user, COURSE);
    await finishLessons(t.db, user, COURSE);
    const result = await sit(t.db, user, COURSE);
    const code = result.status === "graded" ? result.certificateCode! : "";

    const valid = await verifyCertificate(code.toLowerCase().replace(/(.{4})/g, "$1 "));
    expect(valid).toMatchObject({ status: "valid", code, certificate: { holderName: "Giulia Esposito", hours: 3, score: 100 } });
    expect(await verifyCertificate(newCertificateCode())).toMatchObject({ status: "unknown" });
    expect(await verifyCertificate("'; drop table certificates; --")).toEqual({ status: "unknown", code: null });

    const pdf = await certificatePdf(valid.status === "valid" ? valid.certificate : (undefined as never));
    const doc = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: path.join(ROOT, "node_modules/pdfjs-dist/standard_fonts/") }).promise;
    const text = (await (await doc.getPage(1)).getTextContent()).items.map((i) => ("str" in i ? i.str : "")).join(" ");
    expect(text).toContain("Giulia Esposito");
    expect(text).toContain(code.match(/.{4}/g)!.join("-"));
    expect(text).toContain("Soggetti aggregatori e convenzioni per le amministrazioni");

    const admin = { id: null, label: "test (amministratore)" };
    expect(await revokeCertificate(admin, code, "Rilasciato per errore")).toBe("revoked");
    expect(await revokeCertificate(admin, code, "Di nuovo")).toBe("already-revoked");
    expect(await revokeCertificate(admin, newCertificateCode(), "Nessuno")).toBe("unknown");
    expect(await verifyCertificate(code)).toMatchObject({ status: "revoked", certificate: { revokedReason: "Rilasciato per errore" } });
    expect(await badgeAssertion(code)).toMatchObject({ revoked: true, revocationReason: "Rilasciato per errore" });
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.entityId, code));
    expect(audit.map((a) => a.action)).toEqual(["certificate.revoke"]);
  });

  it("publishes Open Badges 2.0 issuer, badge class and hosted assertion with a hashed recipient", async () => {
    const user = await addUser(t.db, "Marco Neri");
    const [{ email }] = (await t.db.select({ email: users.email }).from(users).where(eq(users.id, user))) as [{ email: string }];
    await enrol(user, COURSE);
    await finishLessons(t.db, user, COURSE);
    const result = await sit(t.db, user, COURSE);
    const code = result.status === "graded" ? result.certificateCode! : "";

    const assertion = (await badgeAssertion(code))!;
    expect(assertion).toMatchObject({
      "@context": "https://w3id.org/openbadges/v2",
      type: "Assertion",
      id: expect.stringMatching(new RegExp(`/badges/assertions/${code}\\.json$`)),
      badge: expect.stringMatching(new RegExp(`/badges/classes/${COURSE}\\.json$`)),
      verification: { type: "hosted" },
      recipient: { type: "email", hashed: true },
    });
    expect(assertion).not.toHaveProperty("revoked");
    expect(new Date(assertion.issuedOn).toISOString()).toBe(assertion.issuedOn);
    const { salt, identity } = assertion.recipient;
    expect(salt.length).toBeGreaterThanOrEqual(16);
    expect(identity).toBe(`sha256$${createHash("sha256").update(email + salt).digest("hex")}`);
    expect(JSON.stringify(assertion)).not.toContain(email);

    const badge = (await badgeClass(COURSE))!;
    expect(badge).toMatchObject({ type: "BadgeClass", name: "Soggetti aggregatori e convenzioni per le amministrazioni", issuer: issuerProfile().id });
    expect(badge.image).toMatch(/\/badges\/images\/aggregatori-e-convenzioni\.svg$/);
    expect(badge.criteria.narrative).toContain("70%");
    expect(issuerProfile()).toMatchObject({ type: "Profile", name: "Aggrega", id: expect.stringMatching(/\/badges\/issuer\.json$/) });
    expect(await badgeClass("non-esiste")).toBeNull();
    expect(await badgeAssertion(newCertificateCode())).toBeNull();
  });
});

describe("quiz draws, review policy and attempt limits per version", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  async function ready(name: string) {
    const user = await addUser(t.db, name);
    await enrol(user, COURSE);
    await finishLessons(t.db, user, COURSE);
    return user;
  }
  const openDraw = async (user: string) => (await t.db.select().from(quizDraws).where(eq(quizDraws.userId, user)))[0]!;

  /** Makes a new current version of the course with `change` applied to its structure, as a content edit would. */
  async function newVersion(change: (s: CourseStructure) => CourseStructure) {
    const [current] = await t.db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, COURSE), eq(courseVersions.isCurrent, true)));
    await t.db.update(courseVersions).set({ isCurrent: false }).where(eq(courseVersions.id, current!.id));
    const [row] = await t.db
      .insert(courseVersions)
      .values({ courseSlug: COURSE, version: current!.version + 1, structureHash: randomUUID(), structure: change(current!.structure), isCurrent: true })
      .returning();
    return row!;
  }

  it("draws the configured number of questions from a larger bank, shuffled, and shows the same draw on every reload", async () => {
    const structure = await structureOf(t.db, COURSE);
    expect(structure.questionsPerAttempt).toBe(10);
    expect(structure.quiz.length).toBeGreaterThan(10);
    const user = await ready("Elena Moretti");
    const first = (await quizPage(COURSE, user))!;
    expect(first.questions).toHaveLength(10);
    expect(first.course).toMatchObject({ questionCount: 10, bankSize: structure.quiz.length });
    expect(new Set(first.questions.map((q) => q.id)).size).toBe(10);
    const again = (await quizPage(COURSE, user))!;
    expect(again.drawToken).toBe(first.drawToken);
    expect(again.questions).toEqual(first.questions);

    // The draw as stored is what the page shows.
    const stored = await openDraw(user);
    expect(stored.draw).toEqual(first.questions.map((q) => ({ id: q.id, options: q.options.map((o) => o.id) })));

    // Many draws: different question sets and orders, options shuffled too.
    const bankOrder = structure.quiz.map((q) => q.id).join();
    const draws = Array.from({ length: 40 }, () => drawQuiz(structure));
    expect(new Set(draws.map((d) => d.map((q) => q.id).join())).size).toBeGreaterThan(30);
    expect(draws.every((d) => d.map((q) => q.id).join() !== bankOrder.split(",").slice(0, 10).join())).toBe(true);
    const optionOrders = draws.flatMap((d) => d.map((q) => q.options.join() !== structure.quiz.find((b) => b.id === q.id)!.options.map((o) => o.id).join()));
    expect(optionOrders.filter(Boolean).length).toBeGreaterThan(optionOrders.length / 3);
    const everDrawn = new Set(draws.flatMap((d) => d.map((q) => q.id)));
    expect(everDrawn.size).toBe(structure.quiz.length);
  });

  it("grades exactly the drawn questions, stores the draw with the attempt and draws again for the next attempt", async () => {
    const user = await ready("Fabio Greco");
    const page = (await quizPage(COURSE, user))!;
    const structure = await structureOf(t.db, COURSE);
    const drawn = new Set(page.questions.map((q) => q.id));
    const outside = structure.quiz.filter((q) => !drawn.has(q.id));
    // Right answers to questions that were not drawn count for nothing.
    const notDrawn = await submitQuiz(user, COURSE, page.drawToken!, Object.fromEntries(outside.map((q) => [q.id, q.correct])));
    expect(notDrawn).toMatchObject({ status: "graded", passed: false, grade: { total: 10, correctCount: 0, score: 0 } });
    const attemptId = notDrawn.status === "graded" ? notDrawn.attemptId : 0;
    const [attempt] = await t.db.select().from(quizAttempts).where(eq(quizAttempts.id, attemptId));
    expect(attempt!.draw).toEqual(page.questions.map((q) => ({ id: q.id, options: q.options.map((o) => o.id) })));
    expect(Object.keys(attempt!.answers).sort()).toEqual([...drawn].sort());
    expect(await t.db.select().from(quizDraws).where(eq(quizDraws.userId, user))).toHaveLength(0);

    // The same form sent again (or from a stale tab) records nothing.
    expect(await submitQuiz(user, COURSE, page.drawToken!, {})).toEqual({ status: "stale" });
    expect(await submitQuiz(user, COURSE, "inventato", {})).toEqual({ status: "stale" });
    expect(await t.db.select().from(quizAttempts).where(eq(quizAttempts.userId, user))).toHaveLength(1);

    const next = (await quizPage(COURSE, user))!;
    expect(next.drawToken).not.toBe(page.drawToken);
    expect(next.attemptsLeft).toBe(2);
    // The review of the first attempt is graded again from its stored draw.
    const review = (await quizPage(COURSE, user, attemptId))!.attempt!;
    expect(review).toMatchObject({ id: attemptId, number: 1, score: 0, passed: false, revealed: false });
    expect(review.grade.feedback.map((f) => f.id)).toEqual(page.questions.map((q) => q.id));
    expect((await quizPage(COURSE, await ready("Intrusa"), attemptId))!.attempt).toBeNull();
  });

  it("by default shows which answers were wrong after a failed attempt, and the solutions only after a pass or the last attempt", async () => {
    const user = await ready("Gianni Ricci");
    const failed = await sit(t.db, user, COURSE, 3);
    expect(failed).toMatchObject({ status: "graded", passed: false, revealAnswers: false });
    const feedback = failed.status === "graded" ? failed.grade.feedback : [];
    expect(feedback.filter((f) => f.isCorrect)).toHaveLength(3);
    expect(feedback.filter((f) => !f.isCorrect)).toHaveLength(7);
    for (const f of feedback) {
      expect(f.explanation).toBeNull();
      expect(f.options.every((o) => o.correct === null)).toBe(true);
    }
    await sit(t.db, user, COURSE, 3);
    const last = await sit(t.db, user, COURSE, 3);
    expect(last).toMatchObject({ status: "graded", passed: false, attemptsLeft: 0, revealAnswers: true });
    expect(last.status === "graded" && last.grade.feedback.every((f) => f.explanation && f.options.some((o) => o.correct))).toBe(true);
    // Earlier attempts can now be reviewed with their solutions too.
    const firstId = failed.status === "graded" ? failed.attemptId : 0;
    expect((await quizPage(COURSE, user, firstId))!.attempt).toMatchObject({ revealed: true });

    const passer = await ready("Ilaria Conti");
    expect(await sit(t.db, passer, COURSE)).toMatchObject({ status: "graded", passed: true, revealAnswers: true });
  });

  it("follows the other review policies and gives fresh attempts when a new course version is published", async () => {
    // Three attempts used up on the current version.
    const user = await ready("Lorenzo Marino");
    for (let i = 0; i < 3; i++) await sit(t.db, user, COURSE, 1);
    expect(await sit(t.db, user, COURSE)).toEqual({ status: "blocked", block: "no-attempts-left" });

    // A new version with review "after-pass": the limit restarts, and using it up does not reveal the solutions.
    await newVersion((s) => ({ ...s, review: "after-pass", passMark: 71 }));
    const page = (await quizPage(COURSE, user))!;
    expect(page).toMatchObject({ attemptsLeft: 3, block: null, review: "after-pass" });
    expect(page.state?.attempts).toHaveLength(3);
    for (const left of [2, 1, 0]) {
      const r = await sit(t.db, user, COURSE, 1);
      expect(r).toMatchObject({ status: "graded", attemptsLeft: left, revealAnswers: false });
    }
    expect(await sit(t.db, user, COURSE)).toEqual({ status: "blocked", block: "no-attempts-left" });

    // "never": not even a pass reveals them.
    await newVersion((s) => ({ ...s, review: "never", passMark: 72 }));
    const passed = await sit(t.db, user, COURSE);
    expect(passed).toMatchObject({ status: "graded", passed: true, revealAnswers: false });
    expect(passed.status === "graded" && passed.grade.feedback.every((f) => f.explanation === null && f.isCorrect)).toBe(true);
    expect(await sit(t.db, user, COURSE)).toEqual({ status: "blocked", block: "passed" });
  });

  it("replaces an open draw made for an older version, and refuses answers to it", async () => {
    const user = await ready("Marta Lombardi");
    const before = (await quizPage(COURSE, user))!;
    await newVersion((s) => ({ ...s, passMark: 73 }));
    expect(await submitQuiz(user, COURSE, before.drawToken!, {})).toEqual({ status: "stale" });
    const after = (await quizPage(COURSE, user))!;
    expect(after.drawToken).not.toBe(before.drawToken);
    expect((await openDraw(user)).courseVersionId).toBe((await t.db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, COURSE), eq(courseVersions.isCurrent, true))))[0]!.id);
  });

  it("refuses a quiz file asking for more questions than its bank or naming an unknown review policy", () => {
    const question = { id: "uno", kind: "single", prompt: "Una domanda di prova?", options: [{ id: "a", text: "A" }, { id: "b", text: "B" }], correct: ["a"], explanation: "Perché sì, A." };
    const tooMany = QuizFile.safeParse({ questionsPerAttempt: 2, questions: [question] });
    expect(tooMany.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([["questionsPerAttempt", "la banca contiene una sola domanda"]]);
    expect(QuizFile.safeParse({ review: "sempre", questions: [question] }).error?.issues[0]?.message).toBe("deve essere after-pass, after-last-attempt oppure never");
    expect(QuizFile.parse({ questions: [question] })).toMatchObject({ review: "after-last-attempt" });
  });
});

describe("the certificate PDF", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  async function certify(name: string, organisation = "") {
    const user = await addUser(t.db, name, organisation);
    await enrol(user, COURSE);
    await finishLessons(t.db, user, COURSE);
    const result = await sit(t.db, user, COURSE);
    const found = await verifyCertificate(result.status === "graded" ? result.certificateCode! : "");
    if (found.status !== "valid") throw new Error("no certificate");
    return found.certificate;
  }

  /** Base names of the fonts embedded in a PDF (pdf-lib appends a number to subsets). */
  async function embeddedFonts(pdf: Uint8Array) {
    const doc = await PDFDocument.load(pdf);
    const names = doc.context
      .enumerateIndirectObjects()
      .flatMap(([, obj]) => (obj instanceof PDFDict && obj.get(PDFName.of("Type")) === PDFName.of("Font") && obj.get(PDFName.of("Subtype")) === PDFName.of("Type0") ? [obj.get(PDFName.of("BaseFont"))!.toString().slice(1)] : []));
    return [...new Set(names.map((n) => n.replace(/-\d+$/, "")))].sort();
  }

  async function parse(pdf: Uint8Array) {
    const doc = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl: path.join(ROOT, "node_modules/pdfjs-dist/standard_fonts/") }).promise;
    const page = await doc.getPage(1);
    const lines = (await page.getTextContent()).items.flatMap((i) => ("str" in i && i.str.trim() ? [i.str] : []));
    return { doc, page, lines };
  }

  it("keeps names outside Latin-1 exactly as typed, with the learner's organisation, the issuing body and the grouped code", async () => {
    for (const [name, organisation] of [["Ștefan Dumitrașcu", "Comune di Brăila – Ufficio acquisti"], ["Łucja Żółć", ""]] as const) {
      const certificate = await certify(name, organisation);
      expect(certificate.holderOrganisation).toBe(organisation);
      const { lines } = await parse(await certificatePdf(certificate));
      expect(lines).toContain(name);
      if (organisation) expect(lines).toContain(organisation);
      expect(lines).toContain("Attestato di completamento");
      expect(lines).toContain(certificate.courseTitle);
      expect(lines).toContain(`Codice dell'attestato: ${certificate.code.match(/.{4}/g)!.join("-")}`);
      expect(lines.some((l) => l.startsWith("Rilasciato da Aggrega, il portale dei soggetti aggregatori"))).toBe(true);
      expect(lines.join(" ")).not.toContain("?");
      // The grouped code, typed back with its dashes, finds the certificate.
      expect(await verifyCertificate(certificate.code.match(/.{4}/g)!.join("-"))).toMatchObject({ status: "valid", code: certificate.code });
    }
  });

  it("sets letters Titillium Web lacks (Greek, Cyrillic, Vietnamese) in Noto Sans, keeping the text exact", async () => {
    const name = "Дмитрий Σοφία Nguyễn Đức Ứng";
    const certificate = await certify(name, "Ambasciata d'Italia – Sofia");
    const pdf = await certificatePdf(certificate);
    const { page } = await parse(pdf);
    // The name is drawn in several font runs: read the text items of the page as they come, spaces included.
    const text = (await page.getTextContent()).items.map((i) => ("str" in i ? i.str : "")).join("");
    expect(text).toContain(name);
    expect(await embeddedFonts(pdf)).toEqual(["NotoSans-Bold", "TitilliumWeb-Bold", "TitilliumWeb-Regular"]);
    // A Latin name needs no fallback font at all.
    expect(await embeddedFonts(await certificatePdf({ ...certificate, holderName: "Łucja Żółć" }))).toEqual(["TitilliumWeb-Bold", "TitilliumWeb-Regular"]);
  });

  it("is tagged: title shown, Italian language, marked content and a structure tree in reading order", async () => {
    const certificate = await certify("Zoë Ńowak-Ştirbu", "ASL Ţara");
    const pdf = await certificatePdf(certificate);
    const { doc, page, lines } = await parse(pdf);
    expect(await doc.getMarkInfo()).toMatchObject({ Marked: true });
    const { info } = (await doc.getMetadata()) as unknown as { info: { Title: string; Language: string } };
    expect(info).toMatchObject({ Title: `Attestato – ${certificate.courseTitle}`, Language: "it-IT" });
    const tree = await page.getStructTree();
    const [documentNode] = tree.children as { role: string; children: { role: string; children: { type: string; id: string }[]; alt?: string }[] }[];
    expect(documentNode!.role).toBe("Document");
    const roles = documentNode!.children.map((c) => c.role);
    expect(roles.filter((r) => r === "H1")).toHaveLength(1);
    expect(roles.at(-1)).toBe("Figure");
    expect(documentNode!.children.at(-1)!.alt).toMatch(/^Codice QR che apre la pagina di verifica/);
    // Every element points at marked content on the page, and the text in reading order is the visible text.
    const marked = await page.getTextContent({ includeMarkedContent: true });
    const byId = new Map<string, string>();
    let open: string | null = null;
    for (const item of marked.items) {
      if ("type" in item && item.type === "beginMarkedContentProps") open = item.id ?? null;
      else if ("type" in item && item.type === "endMarkedContent") open = null;
      else if ("str" in item && open) byId.set(open, (byId.get(open) ?? "") + item.str);
    }
    const ordered = documentNode!.children.filter((c) => c.role !== "Figure").map((c) => byId.get(c.children[0]!.id) ?? "");
    expect(ordered.filter((s) => s.trim())).toEqual(lines);
    expect(ordered.slice(0, 5)).toEqual(["Aggrega · Il portale dei soggetti aggregatori", "Attestato di completamento", "Si attesta che", "Zoë Ńowak-Ştirbu", "ASL Ţara"]);
  });
});

describe("Open Badges 3.0 credentials", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  async function certify(name: string) {
    const user = await addUser(t.db, name);
    await enrol(user, COURSE);
    await finishLessons(t.db, user, COURSE);
    const result = await sit(t.db, user, COURSE);
    return result.status === "graded" ? result.certificateCode! : "";
  }

  /** What an offline verifier keeps: the issuer profile, fetched once. */
  const publishedKeys = async () => {
    const profile = JSON.parse(JSON.stringify(await issuerProfileV3())) as { verificationMethod: { id: string; publicKeyJwk: JWK }[] };
    return createLocalJWKSet({ keys: profile.verificationMethod.map((m) => ({ ...m.publicKeyJwk, kid: m.id })) });
  };

  it("signs an OpenBadgeCredential that verifies offline against the key the issuer profile publishes", async () => {
    const code = await certify("Ștefan Dumitrașcu");
    const jwt = (await signedCredential(code))!;
    const profile = await issuerProfileV3();
    expect(profile).toMatchObject({ type: ["Profile"], name: "Aggrega", id: expect.stringMatching(/\/badges\/v3\/issuer\.json$/) });
    expect(profile.verificationMethod[0]!.publicKeyJwk).not.toHaveProperty("d");
    expect(await credentialJwks()).toEqual({ keys: [profile.verificationMethod[0]!.publicKeyJwk] });

    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "JWT", kid: profile.verificationMethod[0]!.id });
    const { payload } = await jwtVerify(jwt, await publishedKeys(), { issuer: profile.id, algorithms: ["EdDSA"] });
    expect(payload).toMatchObject({
      "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
      type: ["VerifiableCredential", "OpenBadgeCredential"],
      issuer: { id: profile.id, type: ["Profile"], name: "Aggrega" },
      jti: expect.stringMatching(new RegExp(`/badges/v3/credentials/${code}\\.jwt$`)),
      credentialSubject: {
        type: ["AchievementSubject"],
        identifier: [{ type: "IdentityObject", identityType: "emailAddress", hashed: true, identityHash: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/) }],
        achievement: { type: ["Achievement"], name: "Soggetti aggregatori e convenzioni per le amministrazioni", criteria: { narrative: expect.stringContaining("70%") } },
      },
    });
    expect(payload.nbf).toBe(Math.floor(Date.parse(payload.validFrom as string) / 1000));
    expect(payload.id).toBe(payload.jti);
    // The same key signs every credential of this database, also from a fresh verifier with only the header key.
    expect(decodeProtectedHeader((await signedCredential(await certify("Łucja Żółć")))!).kid).toBe(header.kid);
    const { kid: _kid, ...headerKey } = header.jwk as JWK;
    expect(headerKey).toMatchObject({ kty: "OKP", crv: "Ed25519", x: profile.verificationMethod[0]!.publicKeyJwk.x });
  });

  it("rejects a tampered copy, a copy signed with another key, and serves nothing for unknown or revoked certificates", async () => {
    const code = await certify("Nicoletta Sala");
    const jwt = (await signedCredential(code))!;
    const [head, body, signature] = jwt.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    claims.credentialSubject.achievement.name = "Corso mai seguito";
    const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    await expect(jwtVerify(tampered, await publishedKeys())).rejects.toThrow(/signature verification failed/);
    await expect(compactVerify(`${head}.${body}.${signature.slice(0, -4)}AAAA`, await publishedKeys())).rejects.toThrow();

    // A forger with their own key and the right kid is refused: the published key decides, not the header.
    const { generateKeyPair, exportJWK, SignJWT } = await import("jose");
    const forger = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: decodeProtectedHeader(jwt).kid!, jwk: await exportJWK(forger.publicKey) })
      .sign(forger.privateKey);
    await expect(jwtVerify(forged, await publishedKeys())).rejects.toThrow(/signature verification failed/);

    expect(await signedCredential(newCertificateCode())).toBeNull();
    expect(await revokeCertificate({ id: null, label: "test" }, code, "Errore di prova")).toBe("revoked");
    expect(await signedCredential(code)).toBeNull();
  });
});

describe("course changes after learners started", () => {
  let t: TestDatabase;
  let root: string;
  const lessonsDir = () => path.join(root, "content/courses", COURSE, "lessons");

  beforeAll(async () => {
    t = await createTestDatabase();
    root = await mkdtemp(path.join(os.tmpdir(), "aggrega-courses-"));
    await cp(path.join(ROOT, "content/seed"), path.join(root, "content/seed"), { recursive: true });
    await mkdir(path.join(root, "content/courses"), { recursive: true });
    await cp(path.join(ROOT, "content/courses", COURSE), path.join(root, "content/courses", COURSE), { recursive: true });
  });
  afterAll(async () => {
    await t.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it("versions the structure, keeps progress explainable and certificates valid", async () => {
    expect(await syncCourses(t.db, root)).toEqual({ created: [COURSE], unchanged: [], retired: [] });
    const learner = await addUser(t.db, "Anna Gallo");
    const graduate = await addUser(t.db, "Bruno Costa");
    await enrol(learner, COURSE);
    await completeLesson(learner, COURSE, "cosa-sono-i-soggetti-aggregatori");
    await completeLesson(learner, COURSE, "strumenti-di-acquisto");
    await enrol(graduate, COURSE);
    await finishLessons(t.db, graduate, COURSE);
    const passed = await sit(t.db, graduate, COURSE);
    const code = passed.status === "graded" ? passed.certificateCode! : "";
    expect((await courseDetail(COURSE, learner))?.state?.progress.percent).toBe(33);

    // Two lessons added, one completed lesson removed.
    const template = await readFile(path.join(lessonsDir(), "aderire-a-una-convenzione.mdx"), "utf8");
    for (const [name, order] of [["nuova-lezione-uno", 3], ["nuova-lezione-due", 4]] as const) {
      await writeFile(path.join(lessonsDir(), `${name}.mdx`), template.replace(/title: .*/, `title: ${name}`).replace(/order: \d+/, `order: ${order}`));
    }
    await unlink(path.join(lessonsDir(), "strumenti-di-acquisto.mdx"));
    expect(await syncCourses(t.db, root)).toEqual({ created: [COURSE], unchanged: [], retired: [] });
    expect(await syncCourses(t.db, root)).toEqual({ created: [], unchanged: [COURSE], retired: [] });
    const versions = await t.db.select().from(courseVersions).where(eq(courseVersions.courseSlug, COURSE));
    expect(versions.map((v) => [v.version, v.isCurrent])).toEqual([[1, false], [2, true]]);

    const progress = (await courseDetail(COURSE, learner))!.state!.progress;
    expect(progress).toMatchObject({ totalLessons: 7, completedLessons: 1, percent: 14, addedSinceEnrolment: 2, removedCompleted: 1 });
    const late = await addUser(t.db, "Carla Fontana");
    await enrol(late, COURSE);
    expect((await courseDetail(COURSE, late))!.state!.progress).toMatchObject({ addedSinceEnrolment: 0, removedCompleted: 0, percent: 0 });

    expect(await verifyCertificate(code)).toMatchObject({ status: "valid" });
    const graduateProgress = (await courseDetail(COURSE, graduate))!;
    expect(graduateProgress.state!.progress).toMatchObject({ percent: 71, addedSinceEnrolment: 2 });
    expect(graduateProgress.state!.certificate?.code).toBe(code);
    expect((await learnerDashboard(graduate)).resume).toBeNull();
  });

  it("retires a course whose folder disappears, and refuses malformed files naming file and field", async () => {
    await writeFile(path.join(lessonsDir(), "rotta.mdx"), "---\ntitle: Lezione rotta\ndescription: Manca il modulo della lezione.\norder: 1\n---\nTesto\n");
    await expect(syncCourses(t.db, root)).rejects.toThrow(new ContentFileError(`content/courses/${COURSE}/lessons/rotta.mdx: campo «module»: è obbligatorio`));
    await writeFile(path.join(lessonsDir(), "rotta.mdx"), "---\ntitle: Lezione rotta\ndescription: Modulo che non esiste.\nmodule: inesistente\norder: 1\n---\nTesto\n");
    await expect(syncCourses(t.db, root)).rejects.toThrow(/rotta\.mdx: campo «module»: «inesistente» non è tra i moduli/);
    await unlink(path.join(lessonsDir(), "rotta.mdx"));
    const quizFile = path.join(root, "content/courses", COURSE, "quiz.yaml");
    await writeFile(quizFile, (await readFile(quizFile, "utf8")).replace("correct: [c]", "correct: [c, d]"));
    await expect(syncCourses(t.db, root)).rejects.toThrow(/quiz\.yaml: campo «questions › voce 1 › correct»: una domanda a risposta singola/);

    await rm(path.join(root, "content/courses", COURSE), { recursive: true });
    expect(await syncCourses(t.db, root)).toEqual({ created: [], unchanged: [], retired: [COURSE] });
    expect(await courseDetail(COURSE, null)).toBeNull();
  });
});

describe("training report", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ seed: true });
  });
  afterAll(async () => t.cleanup());

  it("counts enrolled, in progress, completed and average best score per course and per organisation", async () => {
    const other = "piattaforme-e-interoperabilita";
    const completed = await addUser(t.db, "Uno", "Comune di Alfa");
    const started = await addUser(t.db, "Due", "Comune di Alfa");
    const enrolledOnly = await addUser(t.db, "Tre", "Comune di Alfa");
    const failing = await addUser(t.db, "Quattro", "ASL Beta");
    const noOrg = await addUser(t.db, "Cinque");
    for (const u of [completed, started, enrolledOnly, failing]) await enrol(u, COURSE);
    await enrol(noOrg, other);
    await enrol(completed, other);
    await finishLessons(t.db, completed, COURSE);
    await sit(t.db, completed, COURSE, 2); // 2 of 10: 20%
    await sit(t.db, completed, COURSE); // 100%
    await completeLesson(started, COURSE, "strumenti-di-acquisto");
    await finishLessons(t.db, failing, COURSE);
    await sit(t.db, failing, COURSE, 3); // 3 of 10: 30%

    const report = await learningReport();
    expect(report.byCourse).toEqual([
      { key: COURSE, label: "Soggetti aggregatori e convenzioni per le amministrazioni", enrolled: 4, inProgress: 2, completed: 1, averageScore: 65 },
      { key: other, label: "Piattaforme di e-procurement e interoperabilità", enrolled: 2, inProgress: 0, completed: 0, averageScore: null },
      { key: "partecipare-alle-gare-aggregate", label: "Partecipare alle gare aggregate come fornitore", enrolled: 0, inProgress: 0, completed: 0, averageScore: null },
    ]);
    expect(report.byOrganisation).toEqual([
      { key: "Comune di Alfa", label: "Comune di Alfa", enrolled: 4, inProgress: 1, completed: 1, averageScore: 100 },
      { key: "ASL Beta", label: "ASL Beta", enrolled: 1, inProgress: 1, completed: 0, averageScore: 30 },
      { key: NO_ORGANISATION, label: NO_ORGANISATION, enrolled: 1, inProgress: 0, completed: 0, averageScore: null },
    ]);
    expect(reportCsv(report, "enti")).toBe(
      "\uFEFFente,iscritti,in_corso,completati,punteggio_medio\r\nComune di Alfa,4,1,1,100\r\nASL Beta,1,1,0,30\r\nEnte non indicato,1,0,0,\r\n",
    );
    expect(reportCsv(report, "corsi").split("\r\n")[1]).toBe("Soggetti aggregatori e convenzioni per le amministrazioni,4,2,1,65");
  });

  it("neutralises spreadsheet formulas in CSV cells", async () => {
    await enrol(await addUser(t.db, "Sei", "=HYPERLINK(\"x\")"), COURSE);
    expect(reportCsv(await learningReport(), "enti")).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

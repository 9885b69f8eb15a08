/**
 * The final quiz. Questions and answers come from the course version stored
 * in the database; the browser only ever gets prompts and options, and
 * grading happens here.
 */
import { randomBytes, randomInt } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { courseVersions, quizAttempts, quizDraws, type CourseStructure, type QuizDraw } from "@db/schema";
import { getDb, type Database } from "@/lib/db";
import { currentVersion, learnerState, questionsPerAttempt, toPublicCourse, type LearnerState, type Reader } from "./courses";
import { issueCertificate } from "./certificates";
import type { ReviewPolicy } from "./schema";

type Question = CourseStructure["quiz"][number];

/** What the quiz form may show: no correct answers, no explanations. */
export interface PublicQuestion {
  id: string;
  kind: Question["kind"];
  prompt: string;
  options: { id: string; text: string }[];
}

export interface QuestionFeedback {
  id: string;
  prompt: string;
  kind: Question["kind"];
  isCorrect: boolean;
  /** Some but not all right options ticked, and no wrong one (multiple choice). */
  partial: boolean;
  /** `correct` is null and `explanation` null while the review policy keeps the answers hidden. */
  options: { id: string; text: string; selected: boolean; correct: boolean | null }[];
  explanation: string | null;
}

export interface Grade {
  score: number;
  correctCount: number;
  total: number;
  /** The answers as kept: unknown question and option ids dropped. */
  answers: Record<string, string[]>;
  feedback: QuestionFeedback[];
}

function publicQuestions(quiz: Question[]): PublicQuestion[] {
  return quiz.map((q) => ({ id: q.id, kind: q.kind, prompt: q.prompt, options: q.options.map((o) => ({ id: o.id, text: o.text })) }));
}

/** Fisher–Yates with a cryptographic source, so a learner cannot predict the next draw. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Draws `questionsPerAttempt` questions from the bank, in random order, each with its options in random order. */
export function drawQuiz(structure: Pick<CourseStructure, "quiz" | "questionsPerAttempt">): QuizDraw {
  return shuffled(structure.quiz)
    .slice(0, questionsPerAttempt(structure))
    .map((q) => ({ id: q.id, options: shuffled(q.options.map((o) => o.id)) }));
}

/**
 * The questions of a draw, in the drawn order with the drawn option order.
 * A null draw (attempts from before draws) is the whole quiz as written.
 */
export function drawnQuestions(quiz: Question[], draw: QuizDraw | null): Question[] {
  if (!draw) return quiz;
  const byId = new Map(quiz.map((q) => [q.id, q]));
  return draw.flatMap(({ id, options }) => {
    const q = byId.get(id);
    if (!q) return [];
    const opts = new Map(q.options.map((o) => [o.id, o]));
    return [{ ...q, options: options.flatMap((o) => (opts.has(o) ? [opts.get(o)!] : [])) }];
  });
}

/**
 * Grades answers against a quiz. A question scores only when the ticked set
 * equals the right set exactly; ids that are not options of the question
 * (tampered or stale forms) are ignored, and a single-choice question with
 * more than one answer is wrong.
 */
export function gradeQuiz(quiz: Question[], submitted: Record<string, string[]>): Grade {
  const answers: Record<string, string[]> = {};
  const feedback = quiz.map((q): QuestionFeedback => {
    const valid = new Set(q.options.map((o) => o.id));
    const selected = [...new Set(submitted[q.id] ?? [])].filter((id) => valid.has(id));
    answers[q.id] = selected;
    const right = new Set(q.correct);
    const hits = selected.filter((id) => right.has(id)).length;
    const wrong = selected.length - hits;
    const isCorrect = wrong === 0 && hits === right.size && (q.kind === "multiple" || selected.length === 1);
    return {
      id: q.id,
      prompt: q.prompt,
      kind: q.kind,
      isCorrect,
      partial: !isCorrect && q.kind === "multiple" && wrong === 0 && hits > 0,
      options: q.options.map((o) => ({ id: o.id, text: o.text, selected: selected.includes(o.id), correct: right.has(o.id) })),
      explanation: q.explanation,
    };
  });
  const correctCount = feedback.filter((f) => f.isCorrect).length;
  return { score: quiz.length ? Math.round((correctCount * 100) / quiz.length) : 0, correctCount, total: quiz.length, answers, feedback };
}

/** Form field of a question: "q-<question id>", one value per ticked option. */
export const answerField = (questionId: string) => `q-${questionId}`;

/** Reads the ticked options from a posted quiz form; anything that is not a short string is dropped. */
export function answersFromForm(form: FormData): Record<string, string[]> {
  const answers: Record<string, string[]> = {};
  for (const key of new Set(form.keys())) {
    if (!key.startsWith("q-") || key.length > 80) continue;
    answers[key.slice(2)] = form
      .getAll(key)
      .filter((v): v is string => typeof v === "string" && v.length <= 64)
      .slice(0, 20);
  }
  return answers;
}

export type QuizBlock = "not-enrolled" | "lessons-missing" | "passed" | "no-attempts-left";

/** Why a learner may not submit now, or null when they may. */
function blockReason(state: LearnerState | null, maxAttempts: number): QuizBlock | null {
  if (!state) return "not-enrolled";
  if (state.progress.quizPassed) return "passed";
  if (state.progress.attemptsUsed >= maxAttempts) return "no-attempts-left";
  if (state.progress.completedLessons < state.progress.totalLessons) return "lessons-missing";
  return null;
}

const reviewPolicy = (structure: CourseStructure): ReviewPolicy => structure.review ?? "after-last-attempt";

/** Whether the learner may now see the right answers and explanations of their attempts. */
function mayReview(policy: ReviewPolicy, state: LearnerState | null, maxAttempts: number): boolean {
  if (!state || policy === "never") return false;
  if (state.progress.quizPassed) return true;
  return policy === "after-last-attempt" && state.progress.attemptsUsed >= maxAttempts;
}

/** Hides right answers and explanations unless `reveal`: what is left says which questions were right or wrong. */
function reviewed(grade: Grade, reveal: boolean): Grade {
  if (reveal) return grade;
  return {
    ...grade,
    feedback: grade.feedback.map((f) => ({ ...f, explanation: null, options: f.options.map((o) => ({ ...o, correct: null })) })),
  };
}

const newDrawToken = () => randomBytes(16).toString("base64url");

/** The learner's open draw for the current version, created (or replaced, when the course changed) as needed. */
async function openDraw(db: Database, userId: string, slug: string, version: { id: number; structure: CourseStructure }) {
  const [existing] = await db
    .select()
    .from(quizDraws)
    .where(and(eq(quizDraws.userId, userId), eq(quizDraws.courseSlug, slug)));
  if (existing && existing.courseVersionId === version.id) return existing;
  const fresh = { userId, courseSlug: slug, token: newDrawToken(), courseVersionId: version.id, draw: drawQuiz(version.structure), createdAt: new Date() };
  if (existing) {
    await db
      .update(quizDraws)
      .set({ token: fresh.token, courseVersionId: fresh.courseVersionId, draw: fresh.draw, createdAt: fresh.createdAt })
      .where(and(eq(quizDraws.userId, userId), eq(quizDraws.courseSlug, slug), eq(quizDraws.token, existing.token)));
  } else {
    await db.insert(quizDraws).values(fresh).onConflictDoNothing();
  }
  // Two tabs opening the quiz together: both show whichever draw was stored.
  const [stored] = await db
    .select()
    .from(quizDraws)
    .where(and(eq(quizDraws.userId, userId), eq(quizDraws.courseSlug, slug)));
  return stored!;
}

export interface AttemptReview {
  id: number;
  number: number;
  submittedAt: Date;
  score: number;
  passed: boolean;
  grade: Grade;
  /** Right answers and explanations are included (per the quiz's review policy). */
  revealed: boolean;
}

/** One of the learner's own attempts, graded again from its stored draw and answers. */
async function attemptReview(db: Reader, userId: string, slug: string, attemptId: number, state: LearnerState, reveal: boolean): Promise<AttemptReview | null> {
  const [row] = await db
    .select({ attempt: quizAttempts, structure: courseVersions.structure })
    .from(quizAttempts)
    .innerJoin(courseVersions, eq(courseVersions.id, quizAttempts.courseVersionId))
    .where(and(eq(quizAttempts.id, attemptId), eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)));
  if (!row) return null;
  const grade = gradeQuiz(drawnQuestions(row.structure.quiz, row.attempt.draw), row.attempt.answers);
  return {
    id: row.attempt.id,
    number: state.attempts.findIndex((a) => a.id === row.attempt.id) + 1,
    submittedAt: row.attempt.submittedAt,
    score: row.attempt.score,
    passed: row.attempt.passed,
    grade: reviewed(grade, reveal),
    revealed: reveal,
  };
}

/**
 * The quiz page: the learner's drawn questions (without answers, the same on
 * every reload until submitted), past attempts, whether a new one is allowed,
 * and — when `attemptId` names one of the learner's attempts — its review.
 */
export async function quizPage(slug: string, userId: string, attemptId?: number) {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  // A SCORM course has no quiz of its own: its package does the assessing.
  if (!version || version.structure.scorm) return null;
  const state = await learnerState(db, userId, slug, version);
  const { structure } = version;
  const block = blockReason(state, structure.maxAttempts);
  const draw = block ? null : await openDraw(db, userId, slug, version);
  const reveal = mayReview(reviewPolicy(structure), state, structure.maxAttempts);
  return {
    course: toPublicCourse(slug, version.version, structure),
    questions: draw ? publicQuestions(drawnQuestions(structure.quiz, draw.draw)) : [],
    /** Posted back with the answers: names the draw being answered. */
    drawToken: draw?.token ?? null,
    state,
    attemptsLeft: Math.max(0, structure.maxAttempts - (state?.progress.attemptsUsed ?? 0)),
    block,
    review: reviewPolicy(structure),
    attempt: state && attemptId !== undefined ? await attemptReview(db, userId, slug, attemptId, state, reveal) : null,
  };
}

export type SubmitResult =
  | { status: "not-found" }
  | { status: "blocked"; block: QuizBlock }
  /** The form answered a draw that is no longer open (already sent, or the course changed): nothing recorded. */
  | { status: "stale" }
  | {
      status: "graded";
      attemptId: number;
      grade: Grade;
      passed: boolean;
      passMark: number;
      attemptsLeft: number;
      /** Right answers and explanations are included, as the quiz's review policy allows now. */
      revealAnswers: boolean;
      certificateCode: string | null;
    };

/**
 * Grades and records one attempt against the learner's open draw (named by
 * `drawToken`); the draw is stored with the attempt and closed. Passing
 * issues the certificate in the same transaction.
 */
export async function submitQuiz(userId: string, slug: string, drawToken: string, submitted: Record<string, string[]>): Promise<SubmitResult> {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version || version.structure.scorm) return { status: "not-found" };
  const { structure } = version;
  const outcome = await db.transaction(async (tx) => {
    // Re-read inside the write transaction so two quick submissions cannot exceed the limit or reuse a draw.
    const state = await learnerState(tx, userId, slug, version);
    const block = blockReason(state, structure.maxAttempts);
    if (block) return { block } as const;
    const [open] = await tx
      .select()
      .from(quizDraws)
      .where(and(eq(quizDraws.userId, userId), eq(quizDraws.courseSlug, slug)));
    if (!open || open.token !== drawToken || open.courseVersionId !== version.id) return { stale: true } as const;
    const grade = gradeQuiz(drawnQuestions(structure.quiz, open.draw), submitted);
    const passed = grade.score >= structure.passMark;
    const [inserted] = await tx
      .insert(quizAttempts)
      .values({ userId, courseSlug: slug, courseVersionId: version.id, answers: grade.answers, draw: open.draw, score: grade.score, passed })
      .returning({ id: quizAttempts.id });
    await tx.delete(quizDraws).where(and(eq(quizDraws.userId, userId), eq(quizDraws.courseSlug, slug)));
    const code = passed ? await issueCertificate(tx, { userId, courseSlug: slug, versionId: version.id, structure, score: grade.score }) : null;
    return { grade, passed, attemptId: inserted!.id, used: state!.progress.attemptsUsed + 1, code } as const;
  });
  if ("block" in outcome) return { status: "blocked", block: outcome.block! };
  if ("stale" in outcome) return { status: "stale" };
  const attemptsLeft = Math.max(0, structure.maxAttempts - outcome.used);
  const policy = reviewPolicy(structure);
  const revealAnswers = policy !== "never" && (outcome.passed || (policy === "after-last-attempt" && attemptsLeft === 0));
  return {
    status: "graded",
    attemptId: outcome.attemptId,
    grade: reviewed(outcome.grade, revealAnswers),
    passed: outcome.passed,
    passMark: structure.passMark,
    attemptsLeft,
    revealAnswers,
    certificateCode: outcome.code,
  };
}

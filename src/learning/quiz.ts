/**
 * The final quiz. Questions and answers come from the course version stored
 * in the database; the browser only ever gets prompts and options, and
 * grading happens here.
 */
import { and, count, eq } from "drizzle-orm";
import { certificates, courseVersions, quizAttempts, type CourseStructure } from "@db/schema";
import { getDb } from "@/lib/db";
import { currentVersion, learnerState, toPublicCourse } from "./courses";
import { issueCertificate } from "./certificates";

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
  options: { id: string; text: string; selected: boolean; correct: boolean }[];
  explanation: string;
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
function blockReason(state: Awaited<ReturnType<typeof learnerState>>, maxAttempts: number): QuizBlock | null {
  if (!state) return "not-enrolled";
  if (state.progress.quizPassed) return "passed";
  if (state.progress.attemptsUsed >= maxAttempts) return "no-attempts-left";
  if (state.progress.completedLessons < state.progress.totalLessons) return "lessons-missing";
  return null;
}

/** The quiz page: questions without answers, past attempts and whether a new one is allowed. */
export async function quizPage(slug: string, userId: string) {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version) return null;
  const state = await learnerState(db, userId, slug, version.structure);
  return {
    course: toPublicCourse(slug, version.version, version.structure),
    questions: publicQuestions(version.structure.quiz),
    state,
    attemptsLeft: Math.max(0, version.structure.maxAttempts - (state?.progress.attemptsUsed ?? 0)),
    block: blockReason(state, version.structure.maxAttempts),
  };
}

export type SubmitResult =
  | { status: "not-found" }
  | { status: "blocked"; block: QuizBlock }
  | {
      status: "graded";
      /** The stored attempt: its result page is /formazione/<course>/verifica?tentativo=<id>. */
      attemptId: number;
      grade: Grade;
      passed: boolean;
      passMark: number;
      attemptsLeft: number;
      /** Right answers are shown once the quiz is passed or no attempt is left. */
      revealAnswers: boolean;
      certificateCode: string | null;
    };

/** Grades and records one attempt; passing issues the certificate in the same transaction. */
export async function submitQuiz(userId: string, slug: string, submitted: Record<string, string[]>): Promise<SubmitResult> {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version) return { status: "not-found" };
  const { structure } = version;
  const grade = gradeQuiz(structure.quiz, submitted);
  const passed = grade.score >= structure.passMark;
  const outcome = await db.transaction(async (tx) => {
    // Re-read inside the write transaction so two quick submissions cannot exceed the limit.
    const state = await learnerState(tx, userId, slug, structure);
    const block = blockReason(state, structure.maxAttempts);
    if (block) return { block } as const;
    const [attempt] = await tx
      .insert(quizAttempts)
      .values({ userId, courseSlug: slug, courseVersionId: version.id, answers: grade.answers, score: grade.score, passed })
      .returning({ id: quizAttempts.id });
    const [used] = await tx
      .select({ n: count() })
      .from(quizAttempts)
      .where(and(eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)));
    const code = passed ? await issueCertificate(tx, { userId, courseSlug: slug, versionId: version.id, structure, score: grade.score }) : null;
    return { used: used?.n ?? 0, code, attemptId: attempt!.id } as const;
  });
  if ("block" in outcome) return { status: "blocked", block: outcome.block! };
  const attemptsLeft = Math.max(0, structure.maxAttempts - outcome.used);
  return {
    status: "graded",
    attemptId: outcome.attemptId,
    grade,
    passed,
    passMark: structure.passMark,
    attemptsLeft,
    revealAnswers: passed || attemptsLeft === 0,
    certificateCode: outcome.code,
  };
}

/**
 * One of the learner's own attempts, graded again from its stored answers
 * against the course version it was taken on: the result page shown after a
 * submission (reloading it submits nothing). Null for someone else's attempt.
 */
export async function attemptResult(userId: string, slug: string, attemptId: number): Promise<Extract<SubmitResult, { status: "graded" }> | null> {
  const db = await getDb();
  const [row] = await db
    .select({ answers: quizAttempts.answers, passed: quizAttempts.passed, structure: courseVersions.structure })
    .from(quizAttempts)
    .innerJoin(courseVersions, eq(courseVersions.id, quizAttempts.courseVersionId))
    .where(and(eq(quizAttempts.id, attemptId), eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)));
  if (!row) return null;
  const [used] = await db
    .select({ n: count() })
    .from(quizAttempts)
    .where(and(eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)));
  const [certificate] = row.passed
    ? await db.select({ code: certificates.code }).from(certificates).where(and(eq(certificates.userId, userId), eq(certificates.courseSlug, slug)))
    : [];
  const attemptsLeft = Math.max(0, row.structure.maxAttempts - (used?.n ?? 0));
  return {
    status: "graded",
    attemptId,
    grade: gradeQuiz(row.structure.quiz, row.answers),
    passed: row.passed,
    passMark: row.structure.passMark,
    attemptsLeft,
    revealAnswers: row.passed || attemptsLeft === 0,
    certificateCode: certificate?.code ?? null,
  };
}

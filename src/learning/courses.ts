/**
 * Reading courses and learner progress. Progress is derived on every read:
 * completed lessons that exist in the current version ÷ lessons in the
 * current version. Nothing about it is stored twice.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { aggregators, certificates, conventions, courseVersions, enrolments, lessonCompletions, quizAttempts, tools, type CourseStructure } from "@db/schema";
import type { Database } from "@/lib/db";
import { generationCache } from "@/lib/cached";

/** A course without its quiz answers: everything a page may show. */
export type PublicCourse = Omit<CourseStructure, "quiz"> & {
  slug: string;
  version: number;
  /** Questions asked in one attempt (drawn from a bank of `bankSize`). */
  questionCount: number;
  bankSize: number;
  lessonCount: number;
};

export interface LessonRef {
  slug: string;
  title: string;
  description: string;
  minutes: number;
  moduleSlug: string;
  moduleTitle: string;
}

export interface Progress {
  totalLessons: number;
  completedLessons: number;
  /** 0–100, rounded down so 100 means really everything. */
  percent: number;
  completedSlugs: string[];
  /** Lessons in the current version that were not in the version the learner enrolled in. */
  addedSinceEnrolment: number;
  /** Lessons the learner completed that the current version no longer has (they do not count). */
  removedCompleted: number;
  quizPassed: boolean;
  bestScore: number | null;
  /** Attempts on the current course version: the attempt limit applies per version. */
  attemptsUsed: number;
}

export interface Enrolment {
  enrolledAt: Date;
  lastLessonSlug: string | null;
  lastActivityAt: Date | null;
  completedAt: Date | null;
  courseVersionId: number | null;
}

/** The database or an open transaction, for reads. */
export type Reader = Pick<Database, "select">;

export function toPublicCourse(slug: string, version: number, structure: CourseStructure): PublicCourse {
  const { quiz, ...rest } = structure;
  return { ...rest, slug, version, questionCount: questionsPerAttempt(structure), bankSize: quiz.length, lessonCount: lessonsOf(structure).length };
}

/** Questions asked per attempt; structures synced before the setting existed ask the whole quiz. */
export function questionsPerAttempt(structure: Pick<CourseStructure, "quiz" | "questionsPerAttempt">): number {
  return Math.min(structure.questionsPerAttempt ?? structure.quiz.length, structure.quiz.length);
}

/** The lessons of a structure in reading order. */
export function lessonsOf(structure: Pick<CourseStructure, "modules">): LessonRef[] {
  return structure.modules.flatMap((m) =>
    m.lessons.map((l) => ({ slug: l.slug, title: l.title, description: l.description, minutes: l.minutes, moduleSlug: m.slug, moduleTitle: m.title })),
  );
}

/** Pure progress maths, shared by pages, the dashboard and reports. */
export function computeProgress(
  current: Pick<CourseStructure, "modules">,
  atEnrolment: Pick<CourseStructure, "modules"> | null,
  completed: string[],
  attempts: { score: number; passed: boolean; courseVersionId?: number }[],
  /** Current version id: only its attempts count against the limit; omitted, every attempt counts. */
  currentVersionId?: number,
): Progress {
  const lessonSlugs = lessonsOf(current).map((l) => l.slug);
  const inCurrent = new Set(lessonSlugs);
  const completedSlugs = lessonSlugs.filter((s) => completed.includes(s));
  const enrolledSlugs = atEnrolment ? new Set(lessonsOf(atEnrolment).map((l) => l.slug)) : inCurrent;
  return {
    totalLessons: lessonSlugs.length,
    completedLessons: completedSlugs.length,
    percent: lessonSlugs.length ? Math.floor((completedSlugs.length * 100) / lessonSlugs.length) : 0,
    completedSlugs,
    addedSinceEnrolment: lessonSlugs.filter((s) => !enrolledSlugs.has(s)).length,
    removedCompleted: new Set(completed.filter((s) => !inCurrent.has(s))).size,
    quizPassed: attempts.some((a) => a.passed),
    bestScore: attempts.length ? Math.max(...attempts.map((a) => a.score)) : null,
    attemptsUsed: currentVersionId === undefined ? attempts.length : attempts.filter((a) => a.courseVersionId === currentVersionId).length,
  };
}

export async function currentVersion(db: Reader, slug: string) {
  return (await current.get(db)).find((v) => v.courseSlug === slug);
}

/** Current versions of every published course, in catalog order. */
export async function currentVersions(db: Database) {
  return [...(await current.get(db))];
}

/** The current versions, read once per change of course_versions (src/lib/cached.ts). */
const current = generationCache("course-versions", async (db) => {
  const rows = await db.select().from(courseVersions).where(eq(courseVersions.isCurrent, true));
  return rows.sort((a, b) => a.structure.order - b.structure.order || a.structure.title.localeCompare(b.structure.title, "it"));
});

/** Everything about one learner in one course, or null when not enrolled. */
export async function learnerState(db: Reader, userId: string, slug: string, version: { id: number; structure: CourseStructure }) {
  const current = version.structure;
  const [enrolment] = await db
    .select()
    .from(enrolments)
    .where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, slug)));
  if (!enrolment) return null;
  const [done, attempts, [certificate], [atEnrolment]] = await Promise.all([
    db
      .select({ slug: lessonCompletions.lessonSlug })
      .from(lessonCompletions)
      .where(and(eq(lessonCompletions.userId, userId), eq(lessonCompletions.courseSlug, slug))),
    db
      .select({
        id: quizAttempts.id,
        score: quizAttempts.score,
        passed: quizAttempts.passed,
        submittedAt: quizAttempts.submittedAt,
        courseVersionId: quizAttempts.courseVersionId,
      })
      .from(quizAttempts)
      .where(and(eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)))
      .orderBy(asc(quizAttempts.id)),
    db
      .select({ code: certificates.code, issuedAt: certificates.issuedAt, revokedAt: certificates.revokedAt })
      .from(certificates)
      .where(and(eq(certificates.userId, userId), eq(certificates.courseSlug, slug))),
    enrolment.courseVersionId
      ? db.select({ structure: courseVersions.structure }).from(courseVersions).where(eq(courseVersions.id, enrolment.courseVersionId))
      : Promise.resolve([]),
  ]);
  const progress = computeProgress(current, atEnrolment?.structure ?? null, done.map((d) => d.slug), attempts, version.id);
  return { enrolment: enrolment as Enrolment, progress, attempts, certificate: certificate ?? null };
}

export type LearnerState = NonNullable<Awaited<ReturnType<typeof learnerState>>>;

/** Where "Riprendi" leads: the last lesson opened if still unfinished, else the first unfinished one, else the quiz. */
export function resumeHref(slug: string, current: CourseStructure, state: LearnerState): string {
  const lessons = lessonsOf(current);
  const done = new Set(state.progress.completedSlugs);
  const last = lessons.find((l) => l.slug === state.enrolment.lastLessonSlug);
  if (last && !done.has(last.slug)) return lessonHref(slug, current, last.slug);
  const next = lessons.find((l) => !done.has(l.slug));
  if (next) return lessonHref(slug, current, next.slug);
  if (!state.progress.quizPassed && !current.scorm) return `/formazione/${slug}/verifica`;
  return state.certificate ? `/attestati/${state.certificate.code}` : `/formazione/${slug}`;
}

/** Where a lesson opens: its page, or the SCORM player for the items of a package. */
export function lessonHref(courseSlug: string, structure: Pick<CourseStructure, "scorm">, lessonSlug: string): string {
  return structure.scorm ? `/formazione/${courseSlug}/scorm/${lessonSlug}` : `/formazione/${courseSlug}/${lessonSlug}`;
}

export interface RelatedItem {
  href: string;
  label: string;
  kind: "convenzione" | "soggetto aggregatore" | "strumento";
}

/** Resolves a lesson's catalog links to names; links to entries the catalog does not have are left out. */
export async function resolveRelated(db: Database, related: CourseStructure["modules"][number]["lessons"][number]["related"]): Promise<RelatedItem[]> {
  const [convs, aggs, tls] = await Promise.all([
    related.conventions.length
      ? db.select({ slug: conventions.slug, title: conventions.title }).from(conventions).where(inArray(conventions.slug, related.conventions))
      : [],
    related.aggregators.length
      ? db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).where(inArray(aggregators.id, related.aggregators))
      : [],
    related.tools.length ? db.select({ id: tools.id, name: tools.name }).from(tools).where(inArray(tools.id, related.tools)) : [],
  ]);
  return [
    ...convs.map((c) => ({ href: `/convenzioni/${c.slug}`, label: c.title, kind: "convenzione" as const })),
    ...aggs.map((a) => ({ href: `/soggetti-aggregatori/${a.id}`, label: a.name, kind: "soggetto aggregatore" as const })),
    ...tls.map((t) => ({ href: `/strumenti#strumento-${t.id}`, label: t.name, kind: "strumento" as const })),
  ];
}

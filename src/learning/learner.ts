/** What learners do: browse, enrol, read lessons, mark them done, see their dashboard. */
import { and, eq, sql } from "drizzle-orm";
import { enrolments, lessonCompletions } from "@db/schema";
import { getDb } from "@/lib/db";
import {
  currentVersion,
  currentVersions,
  learnerState,
  lessonHref,
  lessonsOf,
  resolveRelated,
  resumeHref,
  toPublicCourse,
  type LearnerState,
  type PublicCourse,
} from "./courses";

export interface CatalogEntry {
  course: PublicCourse;
  /** Null for anonymous visitors and for courses the learner has not joined. */
  state: LearnerState | null;
}

/** The course catalog; with a user id, each course also carries that learner's progress. */
export async function courseCatalog(userId: string | null): Promise<CatalogEntry[]> {
  const db = await getDb();
  const versions = await currentVersions(db);
  return Promise.all(
    versions.map(async (v) => ({
      course: toPublicCourse(v.courseSlug, v.version, v.structure),
      state: userId ? await learnerState(db, userId, v.courseSlug, v) : null,
    })),
  );
}

/** One course's syllabus and, for a signed-in learner, their progress and where to resume. */
export async function courseDetail(slug: string, userId: string | null) {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version) return null;
  const state = userId ? await learnerState(db, userId, slug, version) : null;
  return {
    course: toPublicCourse(slug, version.version, version.structure),
    state,
    resume: state ? resumeHref(slug, version.structure, state) : null,
  };
}

/** Enrols a learner in the current version (idempotent). Returns false when the course does not exist. */
export async function enrol(userId: string, slug: string): Promise<{ ok: false } | { ok: true; firstLesson: string; firstHref: string }> {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version) return { ok: false };
  await db
    .insert(enrolments)
    .values({ userId, courseSlug: slug, courseVersionId: version.id })
    .onConflictDoNothing();
  const firstLesson = lessonsOf(version.structure)[0]!.slug;
  return { ok: true, firstLesson, firstHref: lessonHref(slug, version.structure, firstLesson) };
}

/**
 * A lesson with its neighbours and catalog links. For an enrolled learner it
 * also records the lesson as their current position.
 */
export async function openLesson(slug: string, lessonSlug: string, userId: string | null) {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  if (!version) return null;
  const lessons = lessonsOf(version.structure);
  const index = lessons.findIndex((l) => l.slug === lessonSlug);
  if (index < 0) return null;
  const raw = version.structure.modules.flatMap((m) => m.lessons).find((l) => l.slug === lessonSlug)!;
  let state = userId ? await learnerState(db, userId, slug, version) : null;
  // Only when it changes: viewing the same lesson again writes nothing.
  if (userId && state && state.enrolment.lastLessonSlug !== lessonSlug) {
    await db
      .update(enrolments)
      .set({ lastLessonSlug: lessonSlug, lastActivityAt: new Date() })
      .where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, slug)));
    state = { ...state, enrolment: { ...state.enrolment, lastLessonSlug: lessonSlug } };
  }
  return {
    course: toPublicCourse(slug, version.version, version.structure),
    lesson: lessons[index]!,
    position: index + 1,
    previous: lessons[index - 1] ?? null,
    next: lessons[index + 1] ?? null,
    related: await resolveRelated(db, raw.related),
    state,
    completed: state?.progress.completedSlugs.includes(lessonSlug) ?? false,
  };
}

export type CompleteResult = { ok: false } | { ok: true; next: string | null; allDone: boolean };

/** Marks a lesson done (enrolling first if needed); repeating it changes nothing. */
export async function completeLesson(userId: string, slug: string, lessonSlug: string): Promise<CompleteResult> {
  const db = await getDb();
  const version = await currentVersion(db, slug);
  // The items of a SCORM course are completed by what the package reports, never by hand.
  if (!version || version.structure.scorm) return { ok: false };
  const lessons = lessonsOf(version.structure);
  const index = lessons.findIndex((l) => l.slug === lessonSlug);
  if (index < 0) return { ok: false };
  // A batch, not an interactive transaction: one synchronous BEGIN…COMMIT on one pooled connection, so
  // concurrent requests in this process never wait for each other in SQLite's busy handler, which would
  // block the event loop (see src/lib/db.ts).
  // The completed lessons are read in the same batch: the answer needs nothing else of the learner's state.
  const [, , , completed] = await db.batch([
    db.insert(enrolments).values({ userId, courseSlug: slug, courseVersionId: version.id }).onConflictDoNothing(),
    db.insert(lessonCompletions).values({ userId, courseSlug: slug, lessonSlug }).onConflictDoNothing(),
    db
      .update(enrolments)
      .set({ lastLessonSlug: lessonSlug, lastActivityAt: sql`(cast(unixepoch('subsec') * 1000 as integer))` })
      .where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, slug))),
    db
      .select({ slug: lessonCompletions.lessonSlug })
      .from(lessonCompletions)
      .where(and(eq(lessonCompletions.userId, userId), eq(lessonCompletions.courseSlug, slug))),
  ]);
  const done = new Set(completed.map((c) => c.slug));
  const next = lessons.slice(index + 1).find((l) => !done.has(l.slug)) ?? lessons.find((l) => !done.has(l.slug));
  return { ok: true, next: next?.slug ?? null, allDone: lessons.every((l) => done.has(l.slug)) };
}

/** The learner's dashboard: enrolled courses with progress and where to resume, most recent first. */
export async function learnerDashboard(userId: string) {
  const db = await getDb();
  const entries = (await courseCatalog(userId)).filter((e): e is CatalogEntry & { state: LearnerState } => e.state !== null);
  const versions = new Map((await currentVersions(db)).map((v) => [v.courseSlug, v.structure]));
  const courses = entries
    .map((e) => ({ ...e, resume: resumeHref(e.course.slug, versions.get(e.course.slug)!, e.state) }))
    .sort((a, b) => activity(b.state) - activity(a.state));
  const inProgress = courses.find((c) => !c.state.certificate);
  return { courses, resume: inProgress ?? null };
}

function activity(state: LearnerState): number {
  return Math.max(state.enrolment.enrolledAt.getTime(), state.enrolment.lastActivityAt?.getTime() ?? 0);
}

/**
 * A learner's own grades in one course: every quiz attempt with its date,
 * score and outcome, grouped by the course version it was taken on (the
 * attempt limit applies per version), newest version first.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { certificates, courseVersions, enrolments, quizAttempts } from "@db/schema";
import { getDb } from "@/lib/db";
import { currentVersion } from "./courses";

export interface GradedAttempt {
  id: number;
  /** 1 for the first attempt on that version. */
  number: number;
  submittedAt: Date;
  score: number;
  passed: boolean;
}

export interface VersionGrades {
  version: number;
  isCurrent: boolean;
  /** When this version was published. */
  publishedAt: Date;
  passMark: number;
  maxAttempts: number;
  attempts: GradedAttempt[];
  bestScore: number | null;
}

export interface LearnerGrades {
  courseSlug: string;
  courseTitle: string;
  enrolled: boolean;
  passed: boolean;
  bestScore: number | null;
  certificate: { code: string; issuedAt: Date; revokedAt: Date | null; score: number } | null;
  versions: VersionGrades[];
}

/** Null when the course does not exist. */
export async function learnerGrades(userId: string, slug: string): Promise<LearnerGrades | null> {
  const db = await getDb();
  const current = await currentVersion(db, slug);
  if (!current) return null;
  const [attempts, [certificate], [enrolment]] = await Promise.all([
    db
      .select({ id: quizAttempts.id, submittedAt: quizAttempts.submittedAt, score: quizAttempts.score, passed: quizAttempts.passed, versionId: quizAttempts.courseVersionId })
      .from(quizAttempts)
      .where(and(eq(quizAttempts.userId, userId), eq(quizAttempts.courseSlug, slug)))
      .orderBy(asc(quizAttempts.id)),
    db
      .select({ code: certificates.code, issuedAt: certificates.issuedAt, revokedAt: certificates.revokedAt, score: certificates.score })
      .from(certificates)
      .where(and(eq(certificates.userId, userId), eq(certificates.courseSlug, slug))),
    db.select({ userId: enrolments.userId }).from(enrolments).where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, slug))),
  ]);
  const versionIds = [...new Set([current.id, ...attempts.map((a) => a.versionId)])];
  const versions = await db.select().from(courseVersions).where(inArray(courseVersions.id, versionIds));
  const grouped: VersionGrades[] = versions
    .map((v) => {
      const mine = attempts.filter((a) => a.versionId === v.id).map((a, i) => ({ id: a.id, number: i + 1, submittedAt: a.submittedAt, score: a.score, passed: a.passed }));
      return {
        version: v.version,
        isCurrent: v.id === current.id,
        publishedAt: v.createdAt,
        passMark: v.structure.passMark,
        maxAttempts: v.structure.maxAttempts,
        attempts: mine,
        bestScore: mine.length ? Math.max(...mine.map((a) => a.score)) : null,
      };
    })
    .filter((v) => v.isCurrent || v.attempts.length > 0)
    .sort((a, b) => b.version - a.version);
  return {
    courseSlug: slug,
    courseTitle: current.structure.title,
    enrolled: enrolment !== undefined,
    passed: attempts.some((a) => a.passed),
    bestScore: attempts.length ? Math.max(...attempts.map((a) => a.score)) : null,
    certificate: certificate ?? null,
    versions: grouped,
  };
}

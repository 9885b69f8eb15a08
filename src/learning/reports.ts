/**
 * Back-office reports: per course and per organisation, how many learners
 * enrolled, are in progress, completed, and their average score.
 *
 * Definitions (also printed on the report page):
 * - completed: the certificate was issued (all lessons and the quiz passed);
 * - in progress: enrolled, not completed, with at least one lesson done or one quiz attempt;
 * - average score: mean of each learner's best quiz score, over learners who attempted the quiz.
 */
import { eq, max } from "drizzle-orm";
import { enrolments, lessonCompletions, quizAttempts, users } from "@db/schema";
import { getDb } from "@/lib/db";
import { currentVersions } from "./courses";

export interface ReportRow {
  key: string;
  label: string;
  enrolled: number;
  inProgress: number;
  completed: number;
  /** Null when nobody attempted the quiz. */
  averageScore: number | null;
}

export interface LearningReport {
  byCourse: ReportRow[];
  byOrganisation: ReportRow[];
}

export const NO_ORGANISATION = "Ente non indicato";

export async function learningReport(): Promise<LearningReport> {
  const db = await getDb();
  const [rows, started, best, versions] = await Promise.all([
    db
      .select({ userId: enrolments.userId, courseSlug: enrolments.courseSlug, completedAt: enrolments.completedAt, organisation: users.organisation })
      .from(enrolments)
      .innerJoin(users, eq(users.id, enrolments.userId)),
    db.selectDistinct({ userId: lessonCompletions.userId, courseSlug: lessonCompletions.courseSlug }).from(lessonCompletions),
    db
      .select({ userId: quizAttempts.userId, courseSlug: quizAttempts.courseSlug, best: max(quizAttempts.score) })
      .from(quizAttempts)
      .groupBy(quizAttempts.userId, quizAttempts.courseSlug),
    currentVersions(db),
  ]);
  const key = (userId: string, courseSlug: string) => `${userId}\u0000${courseSlug}`;
  const startedSet = new Set(started.map((s) => key(s.userId, s.courseSlug)));
  const bestScore = new Map(best.map((b) => [key(b.userId, b.courseSlug), b.best ?? 0]));

  const courseTitles = new Map(versions.map((v) => [v.courseSlug, v.structure.title]));
  const byCourse = new Map<string, Acc>(versions.map((v) => [v.courseSlug, newAcc(v.courseSlug, v.structure.title)]));
  const byOrganisation = new Map<string, Acc>();
  for (const row of rows) {
    const k = key(row.userId, row.courseSlug);
    const score = bestScore.get(k);
    const status = row.completedAt ? "completed" : startedSet.has(k) || score !== undefined ? "inProgress" : "enrolled";
    const course = byCourse.get(row.courseSlug) ?? byCourse.set(row.courseSlug, newAcc(row.courseSlug, courseTitles.get(row.courseSlug) ?? row.courseSlug)).get(row.courseSlug)!;
    const orgName = row.organisation.trim() || NO_ORGANISATION;
    const org = byOrganisation.get(orgName) ?? byOrganisation.set(orgName, newAcc(orgName, orgName)).get(orgName)!;
    for (const acc of [course, org]) add(acc, status, score);
  }
  return {
    byCourse: [...byCourse.values()].map(finish),
    byOrganisation: [...byOrganisation.values()].map(finish).sort((a, b) => b.enrolled - a.enrolled || a.label.localeCompare(b.label, "it")),
  };
}

interface Acc {
  key: string;
  label: string;
  enrolled: number;
  inProgress: number;
  completed: number;
  scores: number[];
}

function newAcc(key: string, label: string): Acc {
  return { key, label, enrolled: 0, inProgress: 0, completed: 0, scores: [] };
}

function add(acc: Acc, status: "completed" | "inProgress" | "enrolled", score: number | undefined) {
  acc.enrolled += 1;
  if (status === "completed") acc.completed += 1;
  if (status === "inProgress") acc.inProgress += 1;
  if (score !== undefined) acc.scores.push(score);
}

function finish(acc: Acc): ReportRow {
  const averageScore = acc.scores.length ? Math.round((acc.scores.reduce((a, b) => a + b, 0) / acc.scores.length) * 10) / 10 : null;
  return { key: acc.key, label: acc.label, enrolled: acc.enrolled, inProgress: acc.inProgress, completed: acc.completed, averageScore };
}

function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  // A leading =, +, - or @ would be run as a formula by spreadsheet programs.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[";,\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export type ReportView = "corsi" | "enti";

/** The report as CSV (comma-separated, UTF-8 with BOM so spreadsheet programs read the accents). */
export function reportCsv(report: LearningReport, view: ReportView): string {
  const rows = view === "corsi" ? report.byCourse : report.byOrganisation;
  const header = [view === "corsi" ? "corso" : "ente", "iscritti", "in_corso", "completati", "punteggio_medio"];
  const lines = [header, ...rows.map((r) => [r.label, r.enrolled, r.inProgress, r.completed, r.averageScore])];
  return `\uFEFF${lines.map((line) => line.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

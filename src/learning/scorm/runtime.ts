/**
 * The SCORM runtime on the server: what the player page hands to scorm-again
 * on launch (the saved CMI data, so the learner resumes where they stopped)
 * and what every commit writes (scorm_runtime), mapped to Aggrega's progress
 * (lesson_completions) and certificate (issued when every item is done).
 */
import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { enrolments, lessonCompletions, scormPackages, scormRuntime, users, type CourseStructure, type ScormItem, type ScormVersion } from "@db/schema";
import { getDb, type Transaction } from "@/lib/db";
import { issueCertificate } from "../certificates";
import { currentVersion, learnerState, lessonsOf, toPublicCourse } from "../courses";

type RuntimeRow = typeof scormRuntime.$inferSelect;

/** "HHHH:MM:SS.SS" (SCORM 1.2 CMITimespan) or ISO 8601 "PT1H2M3.4S" (SCORM 2004) → centiseconds; null when unreadable. */
export function parseDuration(value: string): number | null {
  const v = value.trim();
  const old = /^(\d{2,4}):([0-5]\d):([0-5]\d)(?:\.(\d{1,2}))?$/.exec(v);
  if (old) return (Number(old[1]) * 3600 + Number(old[2]) * 60 + Number(old[3])) * 100 + Number((old[4] ?? "0").padEnd(2, "0"));
  const iso = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$/.exec(v);
  if (iso && v !== "P" && !v.endsWith("T")) {
    const [, y, mo, d, h, mi, s] = iso;
    const days = Number(y ?? 0) * 365 + Number(mo ?? 0) * 30 + Number(d ?? 0);
    return Math.round(((days * 24 + Number(h ?? 0)) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0)) * 100);
  }
  return null;
}

export function formatDuration12(cs: number): string {
  const total = Math.max(0, Math.round(cs));
  const hours = Math.min(9999, Math.floor(total / 360000));
  const minutes = Math.floor((total % 360000) / 6000);
  const seconds = Math.floor((total % 6000) / 100);
  const hundredths = total % 100;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(hours).padStart(4, "0")}:${two(minutes)}:${two(seconds)}.${two(hundredths)}`;
}

export function formatDuration2004(cs: number): string {
  const total = Math.max(0, Math.round(cs));
  const hours = Math.floor(total / 360000);
  const minutes = Math.floor((total % 360000) / 6000);
  const seconds = (total % 6000) / 100;
  return `PT${hours}H${minutes}M${seconds}S`;
}

/** Status of an item in the learner's words. */
export function itemDone(row: Pick<RuntimeRow, "completionStatus" | "successStatus"> | undefined): boolean {
  if (!row) return false;
  if (row.successStatus === "failed") return false;
  return row.completionStatus === "completed" || row.successStatus === "passed";
}

/** The values scorm-again loads before the SCO starts (flattened CMI). Only what is set is sent. */
export function launchData(version: ScormVersion, item: ScormItem, learner: { id: string; name: string }, row: RuntimeRow | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") out[key] = String(value);
  };
  const entry = row?.exit === "suspend" ? "resume" : row && row.commits > 0 ? "" : "ab-initio";
  if (version === "1.2") {
    set("cmi.core.student_id", learner.id);
    set("cmi.core.student_name", learner.name);
    set("cmi.core.lesson_location", row?.location);
    set("cmi.core.lesson_status", row?.lessonStatus ?? "not attempted");
    set("cmi.core.entry", entry);
    set("cmi.core.total_time", formatDuration12(row?.totalTimeCs ?? 0));
    set("cmi.core.score.raw", row?.scoreRaw);
    set("cmi.core.score.min", row?.scoreMin);
    set("cmi.core.score.max", row?.scoreMax);
    set("cmi.suspend_data", row?.suspendData);
    set("cmi.launch_data", item.launchData);
    set("cmi.student_data.mastery_score", item.masteryScore);
  } else {
    set("cmi.learner_id", learner.id);
    set("cmi.learner_name", learner.name);
    set("cmi.location", row?.location);
    set("cmi.completion_status", row?.completionStatus ?? "not attempted");
    set("cmi.success_status", row?.successStatus ?? "unknown");
    set("cmi.entry", entry);
    set("cmi.total_time", formatDuration2004(row?.totalTimeCs ?? 0));
    set("cmi.score.scaled", row?.scoreScaled);
    set("cmi.score.raw", row?.scoreRaw);
    set("cmi.score.min", row?.scoreMin);
    set("cmi.score.max", row?.scoreMax);
    set("cmi.suspend_data", row?.suspendData);
    set("cmi.launch_data", item.launchData);
    set("cmi.scaled_passing_score", item.masteryScore === null ? null : item.masteryScore / 100);
    set("cmi.completion_threshold", item.completionThreshold);
  }
  // Interactions recorded so far come back, so the SCO appends to them (cmi.interactions._count) instead of starting over.
  (row?.interactions ?? []).forEach((interaction, index) => {
    for (const [field, value] of Object.entries(interaction)) set(`cmi.interactions.${index}.${field}`, value);
  });
  return out;
}

export interface PlayerView {
  course: ReturnType<typeof toPublicCourse>;
  item: ScormItem;
  version: ScormVersion;
  packageId: string;
  position: number;
  previous: { slug: string; title: string } | null;
  next: { slug: string; title: string } | null;
  /** Null when the visitor is not enrolled: the page asks them to enrol. */
  launch: { token: string; cmi: Record<string, string>; done: boolean; resumed: boolean } | null;
  state: Awaited<ReturnType<typeof learnerState>>;
}

async function packageOf(db: Pick<Transaction, "select">, structure: CourseStructure) {
  if (!structure.scorm) return undefined;
  const [pkg] = await db.select().from(scormPackages).where(eq(scormPackages.id, structure.scorm.packageId));
  return pkg;
}

/**
 * Opens the player for one item. For an enrolled learner it starts a launch:
 * a fresh token (older pages can no longer commit), the current total time
 * as the base of this session, and an asset counted as done at once.
 */
export async function openScormItem(courseSlug: string, itemSlug: string, user: { id: string; name: string }): Promise<PlayerView | null> {
  const db = await getDb();
  const version = await currentVersion(db, courseSlug);
  if (!version?.structure.scorm) return null;
  const pkg = await packageOf(db, version.structure);
  if (!pkg) return null;
  const index = pkg.items.findIndex((i) => i.slug === itemSlug);
  const lessons = lessonsOf(version.structure);
  if (index < 0 || !lessons.some((l) => l.slug === itemSlug)) return null;
  const item = pkg.items[index]!;
  const base = {
    course: toPublicCourse(courseSlug, version.version, version.structure),
    item,
    version: pkg.version,
    packageId: pkg.id,
    position: index + 1,
    previous: pkg.items[index - 1] ? { slug: pkg.items[index - 1]!.slug, title: pkg.items[index - 1]!.title } : null,
    next: pkg.items[index + 1] ? { slug: pkg.items[index + 1]!.slug, title: pkg.items[index + 1]!.title } : null,
  };
  const enrolled = await learnerState(db, user.id, courseSlug, version);
  if (!enrolled) return { ...base, launch: null, state: null };
  const token = randomBytes(24).toString("base64url");
  const launched = await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(scormRuntime)
      .where(and(eq(scormRuntime.userId, user.id), eq(scormRuntime.courseSlug, courseSlug), eq(scormRuntime.itemSlug, itemSlug)));
    const now = new Date();
    const assetDone = item.kind === "asset" ? { completionStatus: "completed", lessonStatus: pkg.version === "1.2" ? (row?.lessonStatus === "passed" ? "passed" : "completed") : null } : {};
    if (row) {
      await tx
        .update(scormRuntime)
        .set({ launchToken: token, launchBaseCs: row.totalTimeCs, packageId: pkg.id, launchedAt: now, ...(itemDone(row) ? {} : assetDone) })
        .where(and(eq(scormRuntime.userId, user.id), eq(scormRuntime.courseSlug, courseSlug), eq(scormRuntime.itemSlug, itemSlug)));
    } else {
      await tx.insert(scormRuntime).values({ userId: user.id, courseSlug, itemSlug, packageId: pkg.id, launchToken: token, launchedAt: now, ...assetDone });
    }
    await tx
      .update(enrolments)
      .set({ lastLessonSlug: itemSlug, lastActivityAt: now })
      .where(and(eq(enrolments.userId, user.id), eq(enrolments.courseSlug, courseSlug)));
    const [fresh] = await tx
      .select()
      .from(scormRuntime)
      .where(and(eq(scormRuntime.userId, user.id), eq(scormRuntime.courseSlug, courseSlug), eq(scormRuntime.itemSlug, itemSlug)));
    if (itemDone(fresh)) await recordCompletion(tx, user.id, courseSlug, version);
    return fresh!;
  });
  return {
    ...base,
    launch: { token, cmi: launchData(pkg.version, item, user, launched), done: itemDone(launched), resumed: launched.exit === "suspend" },
    state: await learnerState(db, user.id, courseSlug, version),
  };
}

/** Marks the lesson done, and issues the certificate once every lesson of the current version is. */
async function recordCompletion(tx: Transaction, userId: string, courseSlug: string, version: { id: number; structure: CourseStructure }): Promise<string | null> {
  const rows = await tx
    .select()
    .from(scormRuntime)
    .where(and(eq(scormRuntime.userId, userId), eq(scormRuntime.courseSlug, courseSlug)));
  const done = rows.filter(itemDone);
  for (const row of done) {
    await tx.insert(lessonCompletions).values({ userId, courseSlug, lessonSlug: row.itemSlug }).onConflictDoNothing();
  }
  const doneSlugs = new Set(done.map((r) => r.itemSlug));
  const lessons = lessonsOf(version.structure);
  if (!lessons.every((l) => doneSlugs.has(l.slug))) return null;
  const scores = done
    .filter((r) => lessons.some((l) => l.slug === r.itemSlug))
    .map(percentOf)
    .filter((s): s is number => s !== null);
  const score = scores.length ? Math.round(scores.reduce((a, b) => a + b, 0) / scores.length) : 100;
  return issueCertificate(tx, { userId, courseSlug, versionId: version.id, structure: version.structure, score });
}

/** The item's score as a percentage: scaled × 100, else raw within min–max (0–100 by default). */
export function percentOf(row: Pick<RuntimeRow, "scoreScaled" | "scoreRaw" | "scoreMin" | "scoreMax">): number | null {
  if (row.scoreScaled !== null) return Math.max(0, Math.min(100, row.scoreScaled * 100));
  if (row.scoreRaw === null) return null;
  const min = row.scoreMin ?? 0;
  const max = row.scoreMax ?? 100;
  if (max <= min) return null;
  return Math.max(0, Math.min(100, ((row.scoreRaw - min) / (max - min)) * 100));
}

/** Largest commit body accepted (SCORM 2004 suspend_data alone may be 64,000 characters). */
export const MAX_COMMIT_BYTES = 512 * 1024;

const CmiKey = z.string().max(255).regex(/^cmi\.[A-Za-z0-9_.]+$/);
const CmiValue = z.union([z.string().max(65_536), z.number(), z.boolean(), z.null()]);
export const CommitBody = z.record(z.string(), z.unknown()).transform((raw, ctx) => {
  const out: Record<string, string> = {};
  const entries = Object.entries(raw);
  if (entries.length > 5000) {
    ctx.addIssue({ code: "custom", message: "troppi elementi CMI" });
    return z.NEVER;
  }
  for (const [key, value] of entries) {
    // scorm-again sends a few fields of its own next to the CMI elements; only cmi.* is kept.
    if (!key.startsWith("cmi.")) continue;
    // Empty collections (comments, objectives, correct responses not set) flatten to {} or []: nothing to keep.
    if (value && typeof value === "object" && Object.keys(value).length === 0) continue;
    if (!CmiKey.safeParse(key).success || !CmiValue.safeParse(value).success) {
      ctx.addIssue({ code: "custom", message: `elemento CMI non valido: ${key.slice(0, 80)}` });
      return z.NEVER;
    }
    out[key] = value === null ? "" : String(value);
  }
  return out;
});

export type CommitOutcome =
  | { ok: true; done: boolean; certificate: string | null }
  | { ok: false; status: number; message: string };

const LESSON_STATUS = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"];
const COMPLETION = ["completed", "incomplete", "not attempted", "unknown"];
const SUCCESS = ["passed", "failed", "unknown"];

const num = (value: string | undefined): number | null => {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

/** Groups cmi.interactions.N.* into one object per interaction, in order. */
function interactionsOf(cmi: Record<string, string>): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of Object.entries(cmi)) {
    const m = /^cmi\.interactions\.(\d+)\.(.+)$/.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    if (index > 1000) continue;
    const entry = byIndex.get(index) ?? {};
    if (value !== "") entry[m[2]!] = value;
    byIndex.set(index, entry);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
}

/** What a commit says, in the columns of scorm_runtime. */
export function readCommit(version: ScormVersion, item: ScormItem, cmi: Record<string, string>, previous: RuntimeRow) {
  const interactions = interactionsOf(cmi);
  if (version === "1.2") {
    const sent = cmi["cmi.core.lesson_status"];
    const lessonStatus = sent && LESSON_STATUS.includes(sent) ? sent : previous.lessonStatus;
    const scoreRaw = "cmi.core.score.raw" in cmi ? num(cmi["cmi.core.score.raw"]) : previous.scoreRaw;
    let success = lessonStatus === "passed" ? "passed" : lessonStatus === "failed" ? "failed" : "unknown";
    // The LMS judges against the mastery score when the SCO reports completed with a score (SCORM 1.2 RTE 3.4.4).
    if (item.masteryScore !== null && scoreRaw !== null && (lessonStatus === "completed" || lessonStatus === "passed" || lessonStatus === "failed")) {
      success = scoreRaw >= item.masteryScore ? "passed" : "failed";
    }
    const completion = lessonStatus === "passed" || lessonStatus === "completed" || lessonStatus === "failed" ? "completed" : lessonStatus === "not attempted" || !lessonStatus ? "not attempted" : "incomplete";
    const session = parseDuration(cmi["cmi.core.session_time"] ?? "");
    return {
      lessonStatus: lessonStatus ?? null,
      completionStatus: completion,
      successStatus: success,
      scoreRaw,
      scoreMin: "cmi.core.score.min" in cmi ? num(cmi["cmi.core.score.min"]) : previous.scoreMin,
      scoreMax: "cmi.core.score.max" in cmi ? num(cmi["cmi.core.score.max"]) : previous.scoreMax,
      scoreScaled: null,
      location: cmi["cmi.core.lesson_location"] ?? previous.location,
      suspendData: cmi["cmi.suspend_data"] ?? previous.suspendData,
      exit: cmi["cmi.core.exit"] ?? previous.exit,
      session,
      interactions,
    };
  }
  const completionSent = cmi["cmi.completion_status"];
  const successSent = cmi["cmi.success_status"];
  const session = parseDuration(cmi["cmi.session_time"] ?? "");
  return {
    lessonStatus: null,
    completionStatus: completionSent && COMPLETION.includes(completionSent) ? completionSent : previous.completionStatus,
    successStatus: successSent && SUCCESS.includes(successSent) ? successSent : previous.successStatus,
    scoreRaw: "cmi.score.raw" in cmi ? num(cmi["cmi.score.raw"]) : previous.scoreRaw,
    scoreMin: "cmi.score.min" in cmi ? num(cmi["cmi.score.min"]) : previous.scoreMin,
    scoreMax: "cmi.score.max" in cmi ? num(cmi["cmi.score.max"]) : previous.scoreMax,
    scoreScaled: "cmi.score.scaled" in cmi ? num(cmi["cmi.score.scaled"]) : previous.scoreScaled,
    location: cmi["cmi.location"] ?? previous.location,
    suspendData: cmi["cmi.suspend_data"] ?? previous.suspendData,
    exit: cmi["cmi.exit"] ?? previous.exit,
    session,
    interactions,
  };
}

/**
 * Persists one commit of the runtime. The launch token names the player page
 * that sent it; the commit must come from that page's learner, still
 * enrolled, on the package that is current.
 */
export async function recordCommit(token: string, userId: string, cmi: Record<string, string>): Promise<CommitOutcome> {
  const db = await getDb();
  const [row] = await db.select().from(scormRuntime).where(eq(scormRuntime.launchToken, token));
  if (!row || row.userId !== userId) return { ok: false, status: 403, message: "Questa sessione dell'attività non è più valida: riapri l'attività dalla pagina del corso." };
  const version = await currentVersion(db, row.courseSlug);
  const pkg = version ? await packageOf(db, version.structure) : undefined;
  if (!version || !pkg || pkg.id !== row.packageId) {
    return { ok: false, status: 409, message: "Il corso è stato aggiornato nel frattempo: ricarica la pagina per riprendere l'attività." };
  }
  const item = pkg.items.find((i) => i.slug === row.itemSlug);
  if (!item) return { ok: false, status: 409, message: "Questa attività non fa più parte del corso." };
  const [enrolled] = await db
    .select({ userId: enrolments.userId })
    .from(enrolments)
    .where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, row.courseSlug)));
  if (!enrolled) return { ok: false, status: 403, message: "La tua iscrizione a questo corso non è più attiva: iscriviti di nuovo dalla pagina del corso." };
  const read = readCommit(pkg.version, item, cmi, row);
  const sessionCs = read.session ?? row.sessionTimeCs;
  const values = {
    lessonStatus: read.lessonStatus,
    completionStatus: item.kind === "asset" && itemDone(row) ? row.completionStatus : read.completionStatus,
    successStatus: read.successStatus,
    scoreRaw: read.scoreRaw,
    scoreMin: read.scoreMin,
    scoreMax: read.scoreMax,
    scoreScaled: read.scoreScaled,
    location: read.location,
    suspendData: read.suspendData,
    exit: read.exit,
    sessionTimeCs: sessionCs,
    totalTimeCs: row.launchBaseCs + (read.session ?? 0),
    interactions: read.interactions.length ? read.interactions : row.interactions,
    cmi,
    commits: sql`${scormRuntime.commits} + 1`,
    updatedAt: new Date(),
  };
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(scormRuntime)
      .set(values)
      .where(and(eq(scormRuntime.launchToken, token), eq(scormRuntime.userId, userId)))
      .returning({ completionStatus: scormRuntime.completionStatus, successStatus: scormRuntime.successStatus });
    if (updated.length === 0) return { ok: false as const, status: 403, message: "Questa sessione dell'attività non è più valida: riapri l'attività dalla pagina del corso." };
    await tx
      .update(enrolments)
      .set({ lastLessonSlug: row.itemSlug, lastActivityAt: new Date() })
      .where(and(eq(enrolments.userId, userId), eq(enrolments.courseSlug, row.courseSlug)));
    const done = itemDone(updated[0]);
    const certificate = done ? await recordCompletion(tx, userId, row.courseSlug, version) : null;
    return { ok: true as const, done, certificate };
  });
}

/** A learner's CMI rows in one course, for the course page (status per item). */
export async function scormRuntimeOf(userId: string, courseSlug: string) {
  const db = await getDb();
  return db
    .select()
    .from(scormRuntime)
    .where(and(eq(scormRuntime.userId, userId), eq(scormRuntime.courseSlug, courseSlug)));
}

/** The learner's display name for cmi.core.student_name / cmi.learner_name. */
export async function learnerName(userId: string): Promise<string> {
  const db = await getDb();
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? "";
}

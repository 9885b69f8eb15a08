import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { users } from "./accounts";

/**
 * The shape of a course at one point in time, synced from content/courses
 * (see src/learning/sync.ts). Quiz answers live here, on the server only.
 */
export interface CourseStructure {
  title: string;
  summary: string;
  audience: string;
  hours: number;
  objectives: string[];
  prerequisites: string[];
  passMark: number;
  maxAttempts: number;
  /** Position in the catalog. */
  order: number;
  modules: {
    slug: string;
    title: string;
    lessons: {
      slug: string;
      title: string;
      description: string;
      minutes: number;
      related: { conventions: string[]; aggregators: string[]; tools: string[] };
    }[];
  }[];
  quiz: {
    id: string;
    kind: "single" | "multiple";
    prompt: string;
    options: { id: string; text: string }[];
    correct: string[];
    explanation: string;
  }[];
  /** Questions drawn from `quiz` for each attempt (versions synced before the setting existed: all). */
  questionsPerAttempt?: number;
  /** When answers and explanations are shown; see REVIEW_POLICIES in src/learning/schema.ts (default "after-last-attempt"). */
  review?: "after-pass" | "after-last-attempt" | "never";
  /** Set on courses imported from a SCORM package: lessons are its launchable items, there is no quiz. */
  scorm?: { packageId: string; version: ScormVersion };
}

export type ScormVersion = "1.2" | "2004";

/** The questions of one attempt, in the order shown, each with its options in the order shown. */
export type QuizDraw = { id: string; options: string[] }[];

/** Every distinct structure of a course gets a version; progress is read against the current one. */
export const courseVersions = sqliteTable(
  "course_versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseSlug: text("course_slug").notNull(),
    version: integer("version").notNull(),
    structureHash: text("structure_hash").notNull(),
    structure: text("structure", { mode: "json" }).$type<CourseStructure>().notNull(),
    isCurrent: integer("is_current", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("course_versions_uq").on(t.courseSlug, t.version), index("course_versions_current_idx").on(t.courseSlug, t.isCurrent)],
);

export const enrolments = sqliteTable(
  "enrolments",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseSlug: text("course_slug").notNull(),
    /** The course version current at enrolment: tells learners which lessons were added or removed since. */
    courseVersionId: integer("course_version_id").references(() => courseVersions.id),
    enrolledAt: createdAt(),
    lastLessonSlug: text("last_lesson_slug"),
    lastActivityAt: integer("last_activity_at", { mode: "timestamp_ms" }),
    completedAt: integer("completed_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.courseSlug] }), index("enrolments_course_idx").on(t.courseSlug)],
);

export const lessonCompletions = sqliteTable(
  "lesson_completions",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseSlug: text("course_slug").notNull(),
    lessonSlug: text("lesson_slug").notNull(),
    completedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.courseSlug, t.lessonSlug] })],
);

export const quizAttempts = sqliteTable(
  "quiz_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseSlug: text("course_slug").notNull(),
    courseVersionId: integer("course_version_id")
      .notNull()
      .references(() => courseVersions.id),
    answers: text("answers", { mode: "json" }).$type<Record<string, string[]>>().notNull(),
    /** The questions drawn for this attempt, as shown; null for attempts from before draws (they used the whole quiz). */
    draw: text("draw", { mode: "json" }).$type<QuizDraw>(),
    /** Percentage 0–100. */
    score: integer("score").notNull(),
    passed: integer("passed", { mode: "boolean" }).notNull(),
    submittedAt: createdAt(),
  },
  (t) => [index("quiz_attempts_user_course_idx").on(t.userId, t.courseSlug)],
);

/**
 * The draw a learner is answering now: created when the quiz page opens an
 * attempt, shown again on every reload, consumed by the submission (copied to
 * quiz_attempts.draw). One open draw per learner and course.
 */
export const quizDraws = sqliteTable(
  "quiz_draws",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseSlug: text("course_slug").notNull(),
    /** Random id posted back by the form, so a stale tab cannot answer a newer draw. */
    token: text("token").notNull(),
    courseVersionId: integer("course_version_id")
      .notNull()
      .references(() => courseVersions.id),
    draw: text("draw", { mode: "json" }).$type<QuizDraw>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.courseSlug] })],
);

/** Kept when an account is deleted: the holder's name stays, the link to the user goes. */
export const certificates = sqliteTable(
  "certificates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Unguessable public code used in the verification URL. */
    code: text("code").notNull().unique(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    holderName: text("holder_name").notNull(),
    /** The holder's organisation from their profile at issue time; "" when they gave none. */
    holderOrganisation: text("holder_organisation").notNull().default(""),
    courseSlug: text("course_slug").notNull(),
    courseTitle: text("course_title").notNull(),
    courseVersionId: integer("course_version_id")
      .notNull()
      .references(() => courseVersions.id),
    hours: integer("hours").notNull(),
    score: integer("score").notNull(),
    /** Open Badges recipient: "sha256$" + hex(sha256(email + salt)), fixed at issue so an email change keeps the badge valid. */
    recipientIdentity: text("recipient_identity").notNull().default(""),
    recipientSalt: text("recipient_salt").notNull().default(""),
    issuedAt: createdAt(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
  },
  (t) => [uniqueIndex("certificates_user_course_uq").on(t.userId, t.courseSlug)],
);

/**
 * Assigned training: an admin assigns a course, with a due date, to people
 * (targets of kind "email") or to an organisation (kind "domain": every
 * address at that email domain). Who an assignment reaches is matched on every
 * read, so people who register later with a matching address get it too.
 */
export const trainingAssignments = sqliteTable(
  "training_assignments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseSlug: text("course_slug").notNull(),
    /** The day in Italy by which the course should be completed, "YYYY-MM-DD". */
    dueDate: text("due_date").notNull(),
    /** Shown to learners as "Assegnato da …": the office or person that asks for the training. */
    assignedByLabel: text("assigned_by_label").notNull(),
    assignedById: text("assigned_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("training_assignments_course_idx").on(t.courseSlug)],
);

export const ASSIGNMENT_TARGET_KINDS = ["email", "domain"] as const;

export const trainingAssignmentTargets = sqliteTable(
  "training_assignment_targets",
  {
    assignmentId: integer("assignment_id")
      .notNull()
      .references(() => trainingAssignments.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ASSIGNMENT_TARGET_KINDS }).notNull(),
    /** A lower-cased email address or email domain. */
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.assignmentId, t.kind, t.value] }), index("training_assignment_targets_value_idx").on(t.kind, t.value)],
);

/** Why a reminder was sent: at assignment, a week before the due date, on the due date, after 14 days without activity. */
export const ASSIGNMENT_REMINDER_REASONS = ["assigned", "week_before", "due", "inactive"] as const;
export type AssignmentReminderReason = (typeof ASSIGNMENT_REMINDER_REASONS)[number];

/**
 * One row per (assignment, recipient, reason), written in the transaction that
 * queues the mail: the primary key is what guarantees never two reminders for
 * the same reason. `mailed` is false for a reason another mail already covered
 * (an assignment made six days before its due date sends no separate "one week
 * left" mail).
 */
export const assignmentReminders = sqliteTable(
  "assignment_reminders",
  {
    assignmentId: integer("assignment_id")
      .notNull()
      .references(() => trainingAssignments.id, { onDelete: "cascade" }),
    /** The lower-cased address the reminder went to. */
    recipient: text("recipient").notNull(),
    reason: text("reason", { enum: ASSIGNMENT_REMINDER_REASONS }).notNull(),
    mailed: integer("mailed", { mode: "boolean" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.assignmentId, t.recipient, t.reason] })],
);

/** Addresses that turned training reminders off from the signed link in a reminder. */
export const assignmentReminderOptOuts = sqliteTable("assignment_reminder_opt_outs", {
  email: text("email").primaryKey(),
  createdAt: createdAt(),
});
/** One launchable item of a SCORM package, in the order of its organization. */
export interface ScormItem {
  /** The item's identifier in imsmanifest.xml. */
  identifier: string;
  /** The lesson slug it has in the course. */
  slug: string;
  title: string;
  /** Path inside the package, with the item's parameters (query string and fragment). */
  launch: string;
  /** "sco" talks to the runtime API; an "asset" cannot, and counts as completed once launched. */
  kind: "sco" | "asset";
  /** SCORM 1.2 adlcp:masteryscore (0–100) or SCORM 2004 imsss:minNormalizedMeasure × 100; null when the item sets none. */
  masteryScore: number | null;
  /** adlcp:datafromlms / adlcp:dataFromLMS, handed to the SCO as launch_data. */
  launchData: string;
  /** SCORM 2004 adlcp:completionThreshold (0–1), or null. */
  completionThreshold: number | null;
}

/**
 * An imported SCORM package (src/learning/scorm). The course it publishes is
 * a course_versions row whose structure carries `scorm.packageId`; the files
 * live in scorm_files, in the database like everything else.
 */
export const scormPackages = sqliteTable(
  "scorm_packages",
  {
    /** 32 hex characters, the folder name under /scorm-content/. */
    id: text("id").primaryKey(),
    courseSlug: text("course_slug").notNull(),
    version: text("version").$type<ScormVersion>().notNull(),
    /** The manifest's identifier attribute. */
    identifier: text("identifier").notNull(),
    title: text("title").notNull(),
    items: text("items", { mode: "json" }).$type<ScormItem[]>().notNull(),
    fileCount: integer("file_count").notNull(),
    totalBytes: integer("total_bytes").notNull(),
    /** SHA-256 of the uploaded zip. */
    sha256: text("sha256").notNull(),
    uploadedBy: text("uploaded_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("scorm_packages_course_idx").on(t.courseSlug)],
);

export const scormFiles = sqliteTable(
  "scorm_files",
  {
    packageId: text("package_id")
      .notNull()
      .references(() => scormPackages.id, { onDelete: "cascade" }),
    /** Path inside the package, as checked on import (no "..", no leading "/", no backslash). */
    path: text("path").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    bytes: blob("bytes", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.path] })],
);

/**
 * The CMI data of one learner in one item of a SCORM course, written on every
 * commit of the runtime. Keyed by course and lesson slug, so a re-imported
 * package keeps the learners' progress in the items it still has.
 */
export const scormRuntime = sqliteTable(
  "scorm_runtime",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    courseSlug: text("course_slug").notNull(),
    itemSlug: text("item_slug").notNull(),
    packageId: text("package_id").notNull(),
    /** Random token of the player page now open: commits from an older page are refused. */
    launchToken: text("launch_token").notNull(),
    /** total_time (centiseconds) when this launch began; the commit's session_time is added to it. */
    launchBaseCs: integer("launch_base_cs").notNull().default(0),
    /** SCORM 2004 completion_status, or the 1.2 lesson_status mapped to it. */
    completionStatus: text("completion_status").notNull().default("not attempted"),
    /** SCORM 2004 success_status (1.2: passed/failed from lesson_status), "unknown" otherwise. */
    successStatus: text("success_status").notNull().default("unknown"),
    /** The 1.2 lesson_status as sent (null for 2004). */
    lessonStatus: text("lesson_status"),
    scoreRaw: real("score_raw"),
    scoreMin: real("score_min"),
    scoreMax: real("score_max"),
    scoreScaled: real("score_scaled"),
    location: text("location").notNull().default(""),
    suspendData: text("suspend_data").notNull().default(""),
    exit: text("exit").notNull().default(""),
    sessionTimeCs: integer("session_time_cs").notNull().default(0),
    totalTimeCs: integer("total_time_cs").notNull().default(0),
    interactions: text("interactions", { mode: "json" }).$type<Record<string, string>[]>().notNull().default([]),
    /** The last commit as the runtime sent it (flattened CMI element → value). */
    cmi: text("cmi", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    commits: integer("commits").notNull().default(0),
    launchedAt: integer("launched_at", { mode: "timestamp_ms" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.courseSlug, t.itemSlug] })],
);

/**
 * Assigned training: an admin assigns a course, with a due date, to a list of
 * people (email addresses) or to organisations (email domains). Who an
 * assignment reaches is matched against the accounts on every read, so a
 * person who registers later with a matching address gets it as well: their
 * courses page shows it and the reminder job sends them the assignment mail.
 *
 * Status of one person in one assignment:
 * - completed: the certificate of the course was issued (at any time, also before the assignment);
 * - in progress: enrolled and opened or completed at least one lesson;
 * - not started: registered, not enrolled or nothing opened yet;
 * - not registered: an address of the list with no account yet;
 * - overdue: not completed and the due date (a day in Italy) has passed.
 */
import { z } from "zod";
import { desc, eq, inArray, sql } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import { trainingAssignments, trainingAssignmentTargets } from "@db/schema";
import { recordAudit, type Actor } from "@/lib/audit";
import { addDays, todayInItaly } from "@/lib/dates";
import { getDb, type Database } from "@/lib/db";
import { formatDate } from "@/lib/format";
import { cleanText } from "@/lib/field-rules";
import { Refusal } from "@/lib/refusal";
import { currentVersion, currentVersions, type Reader } from "./courses";
import { NO_ORGANISATION } from "./reports";

/** Addresses in one assignment, and domains: enough for a whole office, small enough to read back. */
export const MAX_ASSIGNED_ADDRESSES = 500;
export const MAX_ASSIGNED_DOMAINS = 20;
/** How far ahead a due date may be. */
const MAX_DUE_YEARS = 3;

/** Webmail domains: assigning to one of them would reach strangers, not an organisation. */
const PUBLIC_MAIL_DOMAINS = new Set([
  "gmail.com", "googlemail.com", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "tim.it", "hotmail.it", "hotmail.com",
  "outlook.it", "outlook.com", "live.it", "live.com", "yahoo.it", "yahoo.com", "icloud.com", "me.com", "email.it", "inwind.it",
  "fastwebnet.it", "pec.it", "legalmail.it", "aruba.it", "proton.me", "protonmail.com",
]);

const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const isEmail = (value: string) => value.length <= 254 && z.email().safeParse(value).success;

const entries = (value: string) =>
  value
    .toLowerCase()
    .split(/[\s,;]+/)
    .map((v) => v.trim())
    .filter(Boolean);

const listed = (values: string[]) => values.slice(0, 5).join(", ") + (values.length > 5 ? ` e altri ${values.length - 5}` : "");

/** The back-office form (field names are the Italian ones posted by the page). */
export const AssignmentFormSchema = z
  .object({
    corso: z.string({ error: "Scegli il corso da assegnare." }).trim().min(1, "Scegli il corso da assegnare.").max(80, "Scegli un corso dall'elenco."),
    indirizzi: z.string().max(30_000, "L'elenco degli indirizzi è troppo lungo.").default(""),
    domini: z.string().max(3_000, "L'elenco dei domini è troppo lungo.").default(""),
    scadenza: z
      .string({ error: "Indica la data entro cui completare il corso." })
      .trim()
      .min(1, "Indica la data entro cui completare il corso.")
      .regex(/^\d{4}-\d{2}-\d{2}$/, "Indica la data di scadenza come giorno, mese e anno (per esempio 2027-03-15)."),
    assegnato_da: z
      .string({ error: "Indica chi assegna il corso." })
      .transform((v) => cleanText(v, false).trim())
      .pipe(z.string().min(1, "Indica chi assegna il corso, per esempio «Ufficio formazione».").max(120, "Il nome di chi assegna il corso può avere al massimo 120 caratteri.")),
  })
  .transform((input, ctx) => {
    const emails = [...new Set(entries(input.indirizzi))];
    const domains = [...new Set(entries(input.domini).map((d) => d.replace(/^@/, "")))];
    const badEmails = emails.filter((e) => !isEmail(e));
    if (badEmails.length) ctx.addIssue({ code: "custom", path: ["indirizzi"], message: `Questi indirizzi email non sono validi: ${listed(badEmails)}.` });
    else if (emails.length > MAX_ASSIGNED_ADDRESSES)
      ctx.addIssue({ code: "custom", path: ["indirizzi"], message: `Puoi indicare al massimo ${MAX_ASSIGNED_ADDRESSES} indirizzi per assegnazione (ne hai indicati ${emails.length}).` });
    const badDomains = domains.filter((d) => !DOMAIN_PATTERN.test(d));
    const publicDomains = domains.filter((d) => PUBLIC_MAIL_DOMAINS.has(d));
    if (badDomains.length) ctx.addIssue({ code: "custom", path: ["domini"], message: `Questi domini non sono validi: ${listed(badDomains)}. Scrivi solo la parte dopo la chiocciola, per esempio comune.esempio.it.` });
    else if (publicDomains.length)
      ctx.addIssue({ code: "custom", path: ["domini"], message: `${listed(publicDomains)}: è un servizio di posta pubblico, non il dominio di un ente. Indica gli indirizzi delle persone nell'elenco.` });
    else if (domains.length > MAX_ASSIGNED_DOMAINS) ctx.addIssue({ code: "custom", path: ["domini"], message: `Puoi indicare al massimo ${MAX_ASSIGNED_DOMAINS} domini per assegnazione.` });
    if (emails.length === 0 && domains.length === 0)
      ctx.addIssue({ code: "custom", path: ["indirizzi"], message: "Indica almeno un indirizzo email oppure il dominio di un ente." });
    return { courseSlug: input.corso, emails, domains, dueDate: input.scadenza, assignedByLabel: input.assegnato_da };
  });

export type AssignmentInput = z.infer<typeof AssignmentFormSchema>;

function isRealDay(iso: string): boolean {
  const d = new Date(`${iso}T12:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

/** Records an assignment; the assignment mail is sent by the reminder pass the caller runs next (see createAssignment in assign-reminders.ts). */
export async function insertAssignment(input: AssignmentInput, actor: Actor, now = new Date()): Promise<number> {
  const db = await getDb();
  const version = await currentVersion(db, input.courseSlug);
  if (!version) throw new Refusal("Il corso scelto non esiste: scegline uno dall'elenco.", "corso");
  if (!isRealDay(input.dueDate)) throw new Refusal("La data di scadenza non esiste nel calendario.", "scadenza");
  const today = todayInItaly(now);
  if (input.dueDate < today) throw new Refusal("La data di scadenza è già passata: indica oggi o un giorno futuro.", "scadenza");
  if (input.dueDate > addDays(today, 365 * MAX_DUE_YEARS)) throw new Refusal(`La data di scadenza è troppo lontana: al massimo ${MAX_DUE_YEARS} anni da oggi.`, "scadenza");
  if (input.emails.length === 0 && input.domains.length === 0) throw new Refusal("Indica almeno un indirizzo email oppure il dominio di un ente.", "indirizzi");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(trainingAssignments)
      .values({ courseSlug: input.courseSlug, dueDate: input.dueDate, assignedByLabel: input.assignedByLabel, assignedById: actor.id })
      .returning({ id: trainingAssignments.id });
    const targets = [
      ...input.emails.map((value) => ({ assignmentId: row!.id, kind: "email" as const, value })),
      ...input.domains.map((value) => ({ assignmentId: row!.id, kind: "domain" as const, value })),
    ];
    for (let i = 0; i < targets.length; i += 100) await tx.insert(trainingAssignmentTargets).values(targets.slice(i, i + 100)).onConflictDoNothing();
    await recordAudit(tx, actor, "training.assigned", { type: "training_assignment", id: row!.id }, {
      title: `${version.structure.title}, entro il ${formatDate(input.dueDate)}`,
      course: input.courseSlug,
      dueDate: input.dueDate,
      addresses: input.emails.length,
      domains: input.domains.join(", "),
    });
    return row!.id;
  });
}

/** One registered person reached by an assignment, with where they are in the course. */
export interface AssignedPerson {
  assignmentId: number;
  userId: string | null;
  email: string;
  name: string;
  organisation: string;
  verified: boolean;
  active: boolean;
  enrolledAt: Date | null;
  /** Latest lesson opened or completed, or quiz submitted. */
  lastActivityAt: Date | null;
  completedAt: Date | null;
}

interface PersonRow {
  assignment_id: number;
  user_id: string | null;
  email: string;
  name: string | null;
  organisation: string | null;
  email_verified_at: number | null;
  deactivated_at: number | null;
  enrolled_at: number | null;
  last_activity_at: number | null;
  last_attempt_at: number | null;
  completed_at: number | null;
}

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * Everyone the given assignments reach: accounts whose address is listed or
 * whose domain is, and listed addresses without an account (userId null).
 */
export async function assignedPeople(db: Reader & Pick<Database, "all">, assignmentIds: number[]): Promise<AssignedPerson[]> {
  if (assignmentIds.length === 0) return [];
  const ids = sql.join(assignmentIds.map((id) => sql`${id}`), sql`, `);
  const rows = await db.all<PersonRow>(sql`
    WITH reached AS (
      SELECT t.assignment_id, u.id AS user_id FROM training_assignment_targets t
        JOIN users u ON t.kind = 'email' AND u.email = t.value
        WHERE t.assignment_id IN (${ids})
      UNION
      SELECT t.assignment_id, u.id FROM training_assignment_targets t
        JOIN users u ON t.kind = 'domain' AND substr(u.email, instr(u.email, '@') + 1) = t.value
        WHERE t.assignment_id IN (${ids})
    )
    SELECT r.assignment_id, u.id AS user_id, u.email, u.name, u.organisation, u.email_verified_at, u.deactivated_at,
      e.created_at AS enrolled_at, e.last_activity_at, e.completed_at,
      (SELECT max(q.created_at) FROM quiz_attempts q WHERE q.user_id = u.id AND q.course_slug = a.course_slug) AS last_attempt_at
    FROM reached r
      JOIN users u ON u.id = r.user_id
      JOIN training_assignments a ON a.id = r.assignment_id
      LEFT JOIN enrolments e ON e.user_id = u.id AND e.course_slug = a.course_slug
    UNION ALL
    SELECT t.assignment_id, NULL, t.value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM training_assignment_targets t
    WHERE t.assignment_id IN (${ids}) AND t.kind = 'email' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = t.value)`);
  return rows.map((r) => {
    const activity = Math.max(r.last_activity_at ?? 0, r.last_attempt_at ?? 0);
    return {
      assignmentId: Number(r.assignment_id),
      userId: r.user_id,
      email: r.email,
      name: r.name ?? "",
      organisation: r.organisation ?? "",
      verified: r.email_verified_at !== null,
      active: r.deactivated_at === null,
      enrolledAt: toDate(r.enrolled_at),
      lastActivityAt: activity > 0 ? new Date(activity) : null,
      completedAt: toDate(r.completed_at),
    };
  });
}

export type AssignmentStatus = "completed" | "inProgress" | "notStarted" | "notRegistered";

export const ASSIGNMENT_STATUS_LABELS: Record<AssignmentStatus, string> = {
  completed: "Completato",
  inProgress: "In corso",
  notStarted: "Non iniziato",
  notRegistered: "Senza account",
};

export function assignmentStatus(person: Pick<AssignedPerson, "userId" | "completedAt" | "lastActivityAt">): AssignmentStatus {
  if (person.userId === null) return "notRegistered";
  if (person.completedAt) return "completed";
  return person.lastActivityAt ? "inProgress" : "notStarted";
}

export function isOverdue(dueDate: string, person: Pick<AssignedPerson, "completedAt">, today: string): boolean {
  return !person.completedAt && today > dueDate;
}

export interface AssignmentSummary {
  id: number;
  courseSlug: string;
  courseTitle: string;
  dueDate: string;
  assignedByLabel: string;
  createdAt: Date;
  emails: string[];
  domains: string[];
  people: number;
  completed: number;
  overdue: number;
}

async function targetsOf(db: Reader, ids: number[]) {
  const rows = ids.length ? await db.select().from(trainingAssignmentTargets).where(inArray(trainingAssignmentTargets.assignmentId, ids)) : [];
  const of = (id: number, kind: "email" | "domain") => rows.filter((r) => r.assignmentId === id && r.kind === kind).map((r) => r.value).sort();
  return of;
}

/** Every assignment, newest first, with how many people it reaches, completed and overdue. */
export async function listAssignments(now = new Date()): Promise<AssignmentSummary[]> {
  const db = await getDb();
  const [rows, versions] = await Promise.all([db.select().from(trainingAssignments).orderBy(desc(trainingAssignments.id)), currentVersions(db)]);
  const titles = new Map(versions.map((v) => [v.courseSlug, v.structure.title]));
  const ids = rows.map((r) => r.id);
  const [people, of] = await Promise.all([assignedPeople(db, ids), targetsOf(db, ids)]);
  const today = todayInItaly(now);
  return rows.map((a) => {
    const mine = people.filter((p) => p.assignmentId === a.id);
    return {
      id: a.id,
      courseSlug: a.courseSlug,
      courseTitle: titles.get(a.courseSlug) ?? a.courseSlug,
      dueDate: a.dueDate,
      assignedByLabel: a.assignedByLabel,
      createdAt: a.createdAt,
      emails: of(a.id, "email"),
      domains: of(a.id, "domain"),
      people: mine.length,
      completed: mine.filter((p) => p.completedAt).length,
      overdue: mine.filter((p) => isOverdue(a.dueDate, p, today)).length,
    };
  });
}

export interface AssignmentReportPerson extends AssignedPerson {
  status: AssignmentStatus;
  overdue: boolean;
}

export interface OrganisationCompletion {
  label: string;
  people: number;
  completed: number;
  inProgress: number;
  overdue: number;
  /** Completed ÷ people, 0–100 rounded down. */
  percent: number;
}

export interface AssignmentReport {
  assignment: Omit<AssignmentSummary, "people" | "completed" | "overdue">;
  people: AssignmentReportPerson[];
  byOrganisation: OrganisationCompletion[];
  overdue: AssignmentReportPerson[];
}

/**
 * One assignment for its managers: each person and their status, completion
 * by organisation (the profile's organisation; for addresses without an
 * account, their email domain) and who is overdue.
 */
export async function assignmentReport(id: number, now = new Date()): Promise<AssignmentReport | null> {
  const db = await getDb();
  const [a] = await db.select().from(trainingAssignments).where(eq(trainingAssignments.id, id));
  if (!a) return null;
  const version = await currentVersion(db, a.courseSlug);
  const [people, of] = await Promise.all([assignedPeople(db, [id]), targetsOf(db, [id])]);
  const today = todayInItaly(now);
  const rows = people
    .map((p) => ({ ...p, status: assignmentStatus(p), overdue: isOverdue(a.dueDate, p, today) }))
    .sort((x, y) => organisationOf(x).localeCompare(organisationOf(y), "it") || (x.name || x.email).localeCompare(y.name || y.email, "it"));
  const groups = new Map<string, OrganisationCompletion>();
  for (const p of rows) {
    const label = organisationOf(p);
    const g = groups.get(label) ?? groups.set(label, { label, people: 0, completed: 0, inProgress: 0, overdue: 0, percent: 0 }).get(label)!;
    g.people += 1;
    if (p.status === "completed") g.completed += 1;
    if (p.status === "inProgress") g.inProgress += 1;
    if (p.overdue) g.overdue += 1;
  }
  const byOrganisation = [...groups.values()]
    .map((g) => ({ ...g, percent: Math.floor((g.completed * 100) / g.people) }))
    .sort((x, y) => y.people - x.people || x.label.localeCompare(y.label, "it"));
  return {
    assignment: {
      id: a.id,
      courseSlug: a.courseSlug,
      courseTitle: version?.structure.title ?? a.courseSlug,
      dueDate: a.dueDate,
      assignedByLabel: a.assignedByLabel,
      createdAt: a.createdAt,
      emails: of(id, "email"),
      domains: of(id, "domain"),
    },
    people: rows,
    byOrganisation,
    overdue: rows.filter((p) => p.overdue),
  };
}

/** The organisation a person is counted under. */
export function organisationOf(person: Pick<AssignedPerson, "userId" | "organisation" | "email">): string {
  if (person.userId === null) return `Senza account (@${person.email.split("@")[1]})`;
  return person.organisation.trim() || NO_ORGANISATION;
}

// A leading =, +, - or @ would be run as a formula by spreadsheet programs.
const FORMULA_START = /^[=+\-@\t\r]/;
const cell = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);
const isoDay = (d: Date | null) => (d ? todayInItaly(d) : "");

/** The people of one assignment as CSV (RFC 4180 by csv-stringify, UTF-8 with BOM, CRLF), one row per person. */
export function assignmentCsv(report: AssignmentReport): string {
  const columns = ["nome", "email", "ente", "stato", "in_ritardo", "scadenza", "iscrizione", "ultima_attivita", "completato_il"];
  return stringify(
    report.people.map((p) =>
      [
        p.name,
        p.email,
        organisationOf(p),
        ASSIGNMENT_STATUS_LABELS[p.status],
        p.overdue ? "sì" : "no",
        report.assignment.dueDate,
        isoDay(p.enrolledAt),
        isoDay(p.lastActivityAt),
        isoDay(p.completedAt),
      ].map(cell),
    ),
    { bom: true, header: true, columns, record_delimiter: "windows" },
  );
}

export interface LearnerAssignment {
  id: number;
  courseSlug: string;
  courseTitle: string;
  dueDate: string;
  assignedByLabel: string;
  completed: boolean;
  overdue: boolean;
}

/** The assignments that reach one learner (by address or domain), soonest due first; one per course, the earliest due. */
export async function assignmentsForLearner(userId: string, now = new Date()): Promise<LearnerAssignment[]> {
  const db = await getDb();
  const rows = await db.all<{ id: number; course_slug: string; due_date: string; assigned_by_label: string; completed_at: number | null }>(sql`
    SELECT a.id, a.course_slug, a.due_date, a.assigned_by_label, e.completed_at
    FROM users u
      JOIN training_assignment_targets t
        ON (t.kind = 'email' AND t.value = u.email) OR (t.kind = 'domain' AND t.value = substr(u.email, instr(u.email, '@') + 1))
      JOIN training_assignments a ON a.id = t.assignment_id
      LEFT JOIN enrolments e ON e.user_id = u.id AND e.course_slug = a.course_slug
    WHERE u.id = ${userId}
    GROUP BY a.id
    ORDER BY a.due_date, a.id`);
  const versions = await currentVersions(db);
  const titles = new Map(versions.map((v) => [v.courseSlug, v.structure.title]));
  const today = todayInItaly(now);
  const seen = new Set<string>();
  const result: LearnerAssignment[] = [];
  for (const r of rows) {
    if (seen.has(r.course_slug) || !titles.has(r.course_slug)) continue;
    seen.add(r.course_slug);
    const completed = r.completed_at !== null;
    result.push({
      id: Number(r.id),
      courseSlug: r.course_slug,
      courseTitle: titles.get(r.course_slug)!,
      dueDate: r.due_date,
      assignedByLabel: r.assigned_by_label,
      completed,
      overdue: !completed && today > r.due_date,
    });
  }
  return result;
}

/** The assignment of one course for one learner (the earliest due), or null. */
export async function assignmentForCourse(userId: string, courseSlug: string, now = new Date()): Promise<LearnerAssignment | null> {
  return (await assignmentsForLearner(userId, now)).find((a) => a.courseSlug === courseSlug) ?? null;
}

/** Course choices for the assignment form. */
export async function assignableCourses(): Promise<{ value: string; label: string }[]> {
  const db = await getDb();
  return (await currentVersions(db)).map((v) => ({ value: v.courseSlug, label: v.structure.title }));
}

/**
 * Reminders of assigned training, queued through the outbox:
 * - "assigned": when the course is assigned, or when someone reached by the
 *   assignment registers later (a listed address without an account gets it at
 *   once, inviting them to register);
 * - "week_before": from seven days before the due date;
 * - "due": on the due date (or the first pass after it);
 * - "inactive": 14 days without activity on a started course.
 * None is sent to people who completed the course, turned reminders off, are
 * deactivated or have not confirmed their address, nor 30 days after the due
 * date. Dates are days in Italy (Europe/Rome).
 *
 * Each reminder is a row of `assignment_reminders` keyed by (assignment,
 * recipient, reason), inserted in the transaction that queues its mail: a
 * second pass, here or in another process, finds the row and sends nothing.
 * A mail that makes a later reason pointless (assigned six days before the
 * due date: no separate "one week left") records that reason as covered.
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import { assignmentReminderOptOuts, assignmentReminders, trainingAssignments, type AssignmentReminderReason, type OutboundMailKind } from "@db/schema";
import type { Actor } from "@/lib/audit";
import { addDays, todayInItaly } from "@/lib/dates";
import { getDb, transactionsSettled } from "@/lib/db";
import { formatDate } from "@/lib/format";
import { absoluteUrl } from "@/lib/http";
import type { BackgroundJob } from "@/lib/job";
import { errorMessage, log } from "@/lib/log";
import { SITE_NAME } from "@/lib/site";
import { queueMail, type QueuedMail } from "@/outbox";
import { assignedPeople, insertAssignment, type AssignedPerson, type AssignmentInput } from "./assign";
import { reminderSettingsUrl } from "./assign-links";
import { currentVersions } from "./courses";

/** Days without activity on a started course before the "inactive" reminder. */
export const INACTIVITY_DAYS = 14;
/** Days before the due date of the "week_before" reminder. */
export const DUE_SOON_DAYS = 7;
/** After this many days past the due date, no reminder is sent any more. */
export const REMINDERS_STOP_AFTER_DAYS = 30;
/** How often the job looks for due reminders. */
const JOB_INTERVAL_MS = 10 * 60_000;

const MAIL_KIND: Record<AssignmentReminderReason, OutboundMailKind> = {
  assigned: "training_assigned",
  week_before: "training_due_soon",
  due: "training_due",
  inactive: "training_inactive",
};

export interface ReminderCandidate {
  dueDate: string;
  registered: boolean;
  completed: boolean;
  started: boolean;
  lastActivityAt: Date | null;
}

/**
 * The one reminder a person should get now for an assignment, and the later
 * reasons it makes pointless; null when none is due. Pure: `sent` is the set of
 * reasons already recorded.
 */
export function nextReminder(
  person: ReminderCandidate,
  sent: ReadonlySet<AssignmentReminderReason>,
  now: Date,
): { reason: AssignmentReminderReason; covers: AssignmentReminderReason[] } | null {
  if (person.completed) return null;
  const today = todayInItaly(now);
  const dueSoon = today >= addDays(person.dueDate, -DUE_SOON_DAYS);
  const due = today >= person.dueDate;
  if (!sent.has("assigned")) {
    const covers: AssignmentReminderReason[] = [];
    if (dueSoon && !sent.has("week_before")) covers.push("week_before");
    if (due && !sent.has("due")) covers.push("due");
    return { reason: "assigned", covers };
  }
  if (!person.registered) return null;
  if (due && !sent.has("due")) return { reason: "due", covers: sent.has("week_before") ? [] : ["week_before"] };
  if (dueSoon && !due && !sent.has("week_before")) return { reason: "week_before", covers: [] };
  if (person.started && person.lastActivityAt && !sent.has("inactive") && now.getTime() - person.lastActivityAt.getTime() >= INACTIVITY_DAYS * 86_400_000) {
    return { reason: "inactive", covers: [] };
  }
  return null;
}

export interface ReminderPass {
  /** Mails queued, by reason. */
  queued: Record<AssignmentReminderReason, number>;
}

export interface ReminderOptions {
  /** "Now" for the dates (tests move it); defaults to the clock. */
  now?: Date;
  /** Only this assignment (right after it is created). */
  assignmentId?: number;
}

// Passes in one process run one at a time; other processes are kept out by the primary key.
let passChain: Promise<unknown> = Promise.resolve();

/** Queues every reminder that is due now; safe to run twice, and in several processes at once. */
export function sendAssignmentReminders(options: ReminderOptions = {}): Promise<ReminderPass> {
  const pass = passChain.then(() => reminderPass(options));
  passChain = pass.catch(() => undefined);
  return pass;
}

async function reminderPass(options: ReminderOptions): Promise<ReminderPass> {
  const now = options.now ?? new Date();
  const db = await getDb();
  const result: ReminderPass = { queued: { assigned: 0, week_before: 0, due: 0, inactive: 0 } };
  const oldest = addDays(todayInItaly(now), -REMINDERS_STOP_AFTER_DAYS);
  const assignments = await db
    .select()
    .from(trainingAssignments)
    .where(options.assignmentId === undefined ? gte(trainingAssignments.dueDate, oldest) : and(eq(trainingAssignments.id, options.assignmentId), gte(trainingAssignments.dueDate, oldest)));
  if (assignments.length === 0) return result;
  const ids = assignments.map((a) => a.id);
  const [people, sentRows, optOuts, versions] = await Promise.all([
    assignedPeople(db, ids),
    db.select().from(assignmentReminders).where(inArray(assignmentReminders.assignmentId, ids)),
    db.select({ email: assignmentReminderOptOuts.email }).from(assignmentReminderOptOuts),
    currentVersions(db),
  ]);
  const byId = new Map(assignments.map((a) => [a.id, a]));
  const titles = new Map(versions.map((v) => [v.courseSlug, v.structure.title]));
  const off = new Set(optOuts.map((o) => o.email));
  const sent = new Map<string, Set<AssignmentReminderReason>>();
  for (const row of sentRows) {
    const key = `${row.assignmentId}\u0000${row.recipient}`;
    (sent.get(key) ?? sent.set(key, new Set()).get(key)!).add(row.reason);
  }
  for (const person of people) {
    const assignment = byId.get(person.assignmentId)!;
    const title = titles.get(assignment.courseSlug);
    if (!title || off.has(person.email)) continue;
    if (person.userId !== null && (!person.verified || !person.active)) continue;
    const next = nextReminder(
      {
        dueDate: assignment.dueDate,
        registered: person.userId !== null,
        completed: person.completedAt !== null,
        started: person.enrolledAt !== null && person.lastActivityAt !== null,
        lastActivityAt: person.lastActivityAt,
      },
      sent.get(`${person.assignmentId}\u0000${person.email}`) ?? new Set(),
      now,
    );
    if (!next) continue;
    const mail = await reminderMessage(next.reason, person, { ...assignment, courseTitle: title }, now);
    await transactionsSettled();
    const queued = await db.transaction(async (tx) => {
      const claimed = await tx
        .insert(assignmentReminders)
        .values({ assignmentId: assignment.id, recipient: person.email, reason: next.reason, mailed: true })
        .onConflictDoNothing()
        .returning({ reason: assignmentReminders.reason });
      if (claimed.length === 0) return false;
      if (next.covers.length) {
        await tx
          .insert(assignmentReminders)
          .values(next.covers.map((reason) => ({ assignmentId: assignment.id, recipient: person.email, reason, mailed: false })))
          .onConflictDoNothing();
      }
      await queueMail(tx, MAIL_KIND[next.reason], mail);
      return true;
    });
    if (queued) result.queued[next.reason] += 1;
  }
  return result;
}

/** Records an assignment and queues the assignment mail to everyone it reaches now. */
export async function createAssignment(input: AssignmentInput, actor: Actor, now = new Date()): Promise<{ id: number; queued: number }> {
  const id = await insertAssignment(input, actor, now);
  try {
    const pass = await sendAssignmentReminders({ now, assignmentId: id });
    return { id, queued: pass.queued.assigned };
  } catch (error) {
    // The assignment is saved: the reminder job sends what this pass could not.
    log("warn", "assignments.first_pass_failed", { assignmentId: id, error: errorMessage(error) });
    return { id, queued: 0 };
  }
}

/** The background job: looks for due reminders every ten minutes. */
export function assignmentRemindersJob(options: { now?: () => Date } = {}): BackgroundJob {
  return {
    name: "assignment-reminders",
    intervalMs: JOB_INTERVAL_MS,
    async run() {
      const pass = await sendAssignmentReminders({ now: options.now?.() });
      const total = Object.values(pass.queued).reduce((a, b) => a + b, 0);
      if (total > 0) log("info", "assignments.reminders", { ...pass.queued });
    },
  };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

interface AssignmentForMail {
  courseSlug: string;
  courseTitle: string;
  dueDate: string;
  assignedByLabel: string;
}

/** One reminder, in Italian, as text and HTML, with one-click unsubscribe headers (RFC 8058, RFC 2369). */
export async function reminderMessage(reason: AssignmentReminderReason, person: Pick<AssignedPerson, "email" | "name" | "userId">, a: AssignmentForMail, now: Date): Promise<QueuedMail> {
  const due = formatDate(a.dueDate);
  const course = `«${a.courseTitle}»`;
  const today = todayInItaly(now);
  const courseUrl = absoluteUrl(`/formazione/${a.courseSlug}`);
  let subject: string;
  let paragraphs: string[];
  let action: { label: string; url: string };
  switch (reason) {
    case "assigned":
      subject = `Ti è stato assegnato il corso ${course}, da completare entro il ${due}`;
      paragraphs = [`${a.assignedByLabel} ti ha assegnato il corso ${course} su ${SITE_NAME}, da completare entro il ${due}.`];
      if (person.userId === null) {
        paragraphs.push("Per seguirlo crea un account con questo indirizzo email: il corso comparirà nella pagina «La mia formazione».");
        action = { label: "Crea il tuo account", url: absoluteUrl("/registrati") };
      } else {
        paragraphs.push("Trovi il corso anche nella pagina «La mia formazione» del tuo account.");
        action = { label: "Apri il corso", url: courseUrl };
      }
      break;
    case "week_before":
      subject = `Manca una settimana alla scadenza del corso ${course}`;
      paragraphs = [`Il corso ${course}, assegnato da ${a.assignedByLabel}, va completato entro il ${due}: manca una settimana.`];
      action = { label: "Continua il corso", url: courseUrl };
      break;
    case "due":
      subject = today === a.dueDate ? `Il corso ${course} scade oggi` : `Il corso ${course} è scaduto il ${due}`;
      paragraphs = [
        today === a.dueDate
          ? `Oggi, ${due}, è il termine entro cui completare il corso ${course} assegnato da ${a.assignedByLabel}.`
          : `Il termine per completare il corso ${course} assegnato da ${a.assignedByLabel} era il ${due}.`,
        "Puoi completarlo comunque: lezioni, verifica e attestato restano disponibili.",
      ];
      action = { label: "Completa il corso", url: courseUrl };
      break;
    case "inactive":
      subject = `Riprendi il corso ${course}`;
      paragraphs = [
        `Da ${INACTIVITY_DAYS} giorni non ci sono progressi nel corso ${course}, assegnato da ${a.assignedByLabel} e da completare entro il ${due}.`,
        "Riprendi dal punto in cui avevi interrotto: i tuoi progressi sono salvati.",
      ];
      action = { label: "Riprendi il corso", url: courseUrl };
      break;
  }
  const settingsUrl = await reminderSettingsUrl(person.email);
  const greeting = person.name ? `Gentile ${person.name},` : "Buongiorno,";
  const footer = `Ricevi questo messaggio perché ti è stato assegnato un corso su ${SITE_NAME}.`;
  const stop = "Non vuoi più ricevere promemoria sulla formazione assegnata";
  const text = [
    greeting,
    "",
    ...paragraphs.flatMap((p) => [p, ""]),
    `${action.label}: ${action.url}`,
    "",
    `— ${SITE_NAME}`,
    absoluteUrl("/"),
    "",
    footer,
    `${stop}? Disattivali qui: ${settingsUrl}`,
  ].join("\n");
  const html = `<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, sans-serif; color: #1a1a1a; line-height: 1.5;">
<p>${escapeHtml(greeting)}</p>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
<p><a href="${escapeHtml(action.url)}" style="color: #0066cc; font-weight: bold;">${escapeHtml(action.label)}</a></p>
<p>— <a href="${escapeHtml(absoluteUrl("/"))}">${SITE_NAME}</a></p>
<p style="font-size: 0.9em; color: #555;">${escapeHtml(footer)} ${escapeHtml(stop)}? <a href="${escapeHtml(settingsUrl)}">Disattiva i promemoria</a>.</p>
</body></html>`;
  const host = new URL(absoluteUrl("/")).hostname;
  return {
    to: person.email,
    subject,
    text,
    html,
    headers: {
      "List-Unsubscribe": `<${settingsUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "List-Id": `Promemoria della formazione ${SITE_NAME} <promemoria-formazione.${host}>`,
      "Auto-Submitted": "auto-generated",
      "X-Auto-Response-Suppress": "All",
    },
  };
}

/** Turns reminders off (or on again) for one address. */
export async function setRemindersOff(email: string, off: boolean): Promise<void> {
  const db = await getDb();
  const address = email.toLowerCase();
  if (off) await db.insert(assignmentReminderOptOuts).values({ email: address }).onConflictDoNothing();
  else await db.delete(assignmentReminderOptOuts).where(eq(assignmentReminderOptOuts.email, address));
}

export async function remindersAreOff(email: string): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select().from(assignmentReminderOptOuts).where(eq(assignmentReminderOptOuts.email, email.toLowerCase()));
  return row !== undefined;
}

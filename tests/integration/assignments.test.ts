/**
 * Assigned training: assigning a course to addresses and to an email domain,
 * people who register later, the reminders (at assignment, a week before, on
 * the due date, after 14 days without activity) delivered to a real SMTP peer
 * exactly once each even when the job runs twice and concurrently, turning
 * reminders off, and the managers' report and CSV.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assignmentReminders, auditLog, enrolments, outboundMail, users } from "@db/schema";
import { overrideConfig } from "@/config";
import {
  AssignmentFormSchema,
  assignmentCsv,
  assignmentForCourse,
  assignmentReport,
  assignmentsForLearner,
  createAssignment,
  emailFromReminderToken,
  enrol,
  listAssignments,
  openLesson,
  sendAssignmentReminders,
  setRemindersOff,
} from "@/learning";
import { describeAudit } from "@/lib/audit-view";
import { addDays, todayInItaly } from "@/lib/dates";
import { Refusal } from "@/lib/refusal";
import { closeMailer } from "@/mail";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { mailQueueSettled } from "../helpers/mail";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

const COURSE = "aggregatori-e-convenzioni";
const DAY = 86_400_000;
const admin = { id: null, label: "amministrazione (admin)" };

let tdb: TestDatabase;
let sink: SmtpSink;

async function addUser(email: string, name: string, organisation: string, verified = true) {
  const id = randomUUID();
  await tdb.db.insert(users).values({ id, email, name, organisation, passwordHash: "not-a-real-hash", emailVerifiedAt: verified ? new Date() : null });
  return id;
}

const form = (fields: Record<string, string>) =>
  AssignmentFormSchema.safeParse({ corso: COURSE, indirizzi: "", domini: "", scadenza: addDays(todayInItaly(), 30), assegnato_da: "Ufficio formazione", ...fields });

const issues = (result: ReturnType<typeof form>) => (result.success ? {} : Object.fromEntries(result.error.issues.map((i) => [String(i.path[0]), i.message])));

/** Mail received for one address, in order. */
const mailTo = (address: string) => sink.messages.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address)));

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
  overrideConfig({ SMTP_URL: sink.url, SITE_URL: "https://aggrega.example.it", MAIL_FROM: "Aggrega <noreply@aggrega.test>" });
  await closeMailer();
});
afterAll(async () => {
  await closeMailer();
  await sink.close();
  await tdb.cleanup();
});

describe("the assignment form", () => {
  it("refuses bad addresses, public webmail domains, an empty target and a malformed date, in Italian", () => {
    expect(issues(form({ indirizzi: "mario.rossi@comune.it, non-un-indirizzo" })).indirizzi).toBe("Questi indirizzi email non sono validi: non-un-indirizzo.");
    expect(issues(form({ domini: "@gmail.com" })).domini).toMatch(/servizio di posta pubblico/);
    expect(issues(form({ domini: "comune..it" })).domini).toMatch(/^Questi domini non sono validi: comune\.\.it\./);
    expect(issues(form({})).indirizzi).toBe("Indica almeno un indirizzo email oppure il dominio di un ente.");
    expect(issues(form({ indirizzi: "a@b.it", scadenza: "15/03/2027" })).scadenza).toMatch(/giorno, mese e anno/);
    expect(issues(form({ indirizzi: "a@b.it", assegnato_da: "  " })).assegnato_da).toMatch(/Indica chi assegna il corso/);
    const ok = form({ indirizzi: "Mario.Rossi@Comune.it\nmario.rossi@comune.it; l.bianchi@comune.it", domini: "@Regione.Esempio.it" });
    expect(ok.success && ok.data).toMatchObject({ emails: ["mario.rossi@comune.it", "l.bianchi@comune.it"], domains: ["regione.esempio.it"] });
  });

  it("refuses a due date in the past, a day that does not exist and a course that does not exist", async () => {
    const base = { courseSlug: COURSE, emails: ["x@comune-prova.it"], domains: [], assignedByLabel: "Ufficio formazione" };
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof Refusal ? { field: e.field, message: e.message } : e));
    expect(await refusal(createAssignment({ ...base, dueDate: addDays(todayInItaly(), -1) }, admin))).toEqual({
      field: "scadenza",
      message: "La data di scadenza è già passata: indica oggi o un giorno futuro.",
    });
    expect(await refusal(createAssignment({ ...base, dueDate: "2031-02-30" }, admin))).toMatchObject({ field: "scadenza" });
    expect(await refusal(createAssignment({ ...base, courseSlug: "corso-inesistente", dueDate: addDays(todayInItaly(), 3) }, admin))).toMatchObject({ field: "corso" });
    expect(await listAssignments()).toEqual([]);
  });
});

describe("an assignment and its reminders", () => {
  const today = todayInItaly();
  const due = addDays(today, 30);
  const at = (days: number) => new Date(Date.now() + days * DAY);
  let assignmentId: number;
  let anna: string;
  let bruno: string;

  it("mails everyone it reaches at once, including listed addresses without an account, with one-click unsubscribe", async () => {
    anna = await addUser("anna@comune-uno.it", "Anna Verdi", "Comune di Uno");
    bruno = await addUser("bruno@comune-due.it", "Bruno Neri", "Comune di Due");
    await addUser("carla@comune-due.it", "Carla Gialli", "Comune di Due");
    await addUser("non.confermata@comune-due.it", "Persona da confermare", "Comune di Due", false);
    await addUser("estraneo@altro-ente.it", "Persona Estranea", "Altro ente");
    const created = await createAssignment(
      { courseSlug: COURSE, emails: ["anna@comune-uno.it", "nuova@comune-uno.it"], domains: ["comune-due.it"], dueDate: due, assignedByLabel: "Ufficio formazione della Provincia" },
      admin,
    );
    assignmentId = created.id;
    expect(created.queued).toBe(4);
    await sink.waitFor(4);
    await mailQueueSettled(tdb.db);
    expect(sink.messages.map((m) => m.to && !Array.isArray(m.to) && m.to.text).sort()).toEqual(["anna@comune-uno.it", "bruno@comune-due.it", "carla@comune-due.it", "nuova@comune-uno.it"]);
    const [toAnna] = mailTo("anna@comune-uno.it");
    expect(toAnna!.subject).toMatch(/^Ti è stato assegnato il corso «.+», da completare entro il /);
    expect(toAnna!.text).toContain("Ufficio formazione della Provincia ti ha assegnato il corso");
    expect(toAnna!.text).toContain(`https://aggrega.example.it/formazione/${COURSE}`);
    const header = (key: string) => toAnna!.headerLines.find((h) => h.key === key)?.line;
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    const token = /^List-Unsubscribe:\s+<https:\/\/aggrega\.example\.it\/formazione\/promemoria\?t=([\w.-]+)>$/.exec(header("list-unsubscribe") ?? "")?.[1];
    expect(token).toBeTruthy();
    expect(await emailFromReminderToken(token!)).toBe("anna@comune-uno.it");
    expect(await emailFromReminderToken(`${token!.slice(0, -1)}${token!.endsWith("A") ? "B" : "A"}`)).toBeNull();
    const [toNew] = mailTo("nuova@comune-uno.it");
    expect(toNew!.text).toContain("crea un account con questo indirizzo email");
    const [audit] = await tdb.db.select().from(auditLog).where(eq(auditLog.action, "training.assigned"));
    expect(audit).toMatchObject({ entityId: String(assignmentId), actorLabel: admin.label });
    const [described] = await describeAudit([audit!]);
    expect(described).toMatchObject({
      what: "Corso assegnato",
      item: { kind: "Formazione assegnata", name: expect.stringMatching(/^Soggetti aggregatori .+, entro il /), href: `/gestione/formazione/assegnazioni/${assignmentId}` },
    });
    expect(described!.notes).toEqual(expect.arrayContaining(["Domini: comune-due.it", "Indirizzi: 2"]));
  });

  it("reaches people who register later with a listed address or the domain, once, even when the job runs twice and concurrently", async () => {
    await addUser("nuova@comune-uno.it", "Nuova Persona", "Comune di Uno");
    await addUser("dario@comune-due.it", "Dario Blu", "Comune di Due");
    const passes = await Promise.all([sendAssignmentReminders(), sendAssignmentReminders()]);
    await sendAssignmentReminders();
    expect(passes.reduce((n, p) => n + p.queued.assigned, 0)).toBe(1);
    await sink.waitFor(5);
    await mailQueueSettled(tdb.db);
    expect(sink.messages).toHaveLength(5);
    // The listed address got its assignment mail before registering; only the new domain address gets one now.
    expect(mailTo("dario@comune-due.it")).toHaveLength(1);
    expect(mailTo("nuova@comune-uno.it")).toHaveLength(1);
    const mine = await assignmentsForLearner(bruno);
    expect(mine).toMatchObject([{ courseSlug: COURSE, dueDate: due, assignedByLabel: "Ufficio formazione della Provincia", completed: false, overdue: false }]);
  });

  it("reminds a started learner after 14 days without activity, once", async () => {
    await enrol(bruno, COURSE);
    await openLesson(COURSE, "cosa-sono-i-soggetti-aggregatori", bruno);
    // Thirteen days later nothing is due.
    expect((await sendAssignmentReminders({ now: at(13) })).queued).toEqual({ assigned: 0, week_before: 0, due: 0, inactive: 0 });
    const passes = await Promise.all([sendAssignmentReminders({ now: at(15) }), sendAssignmentReminders({ now: at(15) })]);
    await sendAssignmentReminders({ now: at(16) });
    expect(passes.reduce((n, p) => n + p.queued.inactive, 0)).toBe(1);
    await sink.waitFor(6);
    await mailQueueSettled(tdb.db);
    const [reminder] = mailTo("bruno@comune-due.it").slice(1);
    expect(reminder!.subject).toMatch(/^Riprendi il corso «/);
    expect(sink.messages).toHaveLength(6);
  });

  it("reminds a week before and on the due date, never twice, skipping who completed and who turned reminders off", async () => {
    // Carla completed the course; Anna turns reminders off from her link.
    const carla = (await tdb.db.select().from(users).where(eq(users.email, "carla@comune-due.it")))[0]!.id;
    await tdb.db.insert(enrolments).values({ userId: carla, courseSlug: COURSE, completedAt: new Date(), lastActivityAt: new Date() });
    await setRemindersOff("anna@comune-uno.it", true);

    const weekBefore = await Promise.all([sendAssignmentReminders({ now: at(23) }), sendAssignmentReminders({ now: at(23) })]);
    await sendAssignmentReminders({ now: at(24) });
    // Bruno, Dario, Nuova: not Anna (off), Carla (completed), the unconfirmed address.
    expect(weekBefore.reduce((n, p) => n + p.queued.week_before, 0)).toBe(3);
    await sink.waitFor(9);
    const onDue = await Promise.all([sendAssignmentReminders({ now: at(30) }), sendAssignmentReminders({ now: at(30) })]);
    await sendAssignmentReminders({ now: at(31) });
    expect(onDue.reduce((n, p) => n + p.queued.due, 0)).toBe(3);
    await sink.waitFor(12);
    await mailQueueSettled(tdb.db);
    expect(sink.messages).toHaveLength(12);
    expect(mailTo("carla@comune-due.it")).toHaveLength(1);
    expect(mailTo("anna@comune-uno.it")).toHaveLength(1);
    expect(mailTo("non.confermata@comune-due.it")).toHaveLength(0);
    expect(mailTo("estraneo@altro-ente.it")).toHaveLength(0);
    expect(mailTo("dario@comune-due.it").map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Ti è stato assegnato/),
      expect.stringMatching(/^Manca una settimana alla scadenza del corso «/),
      expect.stringMatching(/scade oggi$/),
    ]);
    // Every reminder row is unique per (assignment, recipient, reason); each mail's kind matches its reason.
    const rows = await tdb.db.select().from(assignmentReminders).where(and(eq(assignmentReminders.assignmentId, assignmentId), eq(assignmentReminders.recipient, "dario@comune-due.it")));
    expect(rows.map((r) => r.reason).sort()).toEqual(["assigned", "due", "week_before"]);
    const kinds = await tdb.db.select({ kind: outboundMail.kind }).from(outboundMail).where(eq(outboundMail.recipient, "dario@comune-due.it"));
    expect(kinds.map((k) => k.kind)).toEqual(["training_assigned", "training_due_soon", "training_due"]);
    // Turned back on, Anna gets the reminders still due for her.
    await setRemindersOff("anna@comune-uno.it", false);
    expect((await sendAssignmentReminders({ now: at(31) })).queued.due).toBe(1);
    await sink.waitFor(13);
  });

  it("covers the later reasons when the assignment comes late: one mail, not three", async () => {
    const late = await createAssignment({ courseSlug: "partecipare-alle-gare-aggregate", emails: ["dario@comune-due.it"], domains: [], dueDate: todayInItaly(), assignedByLabel: "Segreteria" }, admin);
    expect(late.queued).toBe(1);
    expect((await sendAssignmentReminders()).queued).toEqual({ assigned: 0, week_before: 0, due: 0, inactive: 0 });
    const rows = await tdb.db.select().from(assignmentReminders).where(eq(assignmentReminders.assignmentId, late.id));
    expect(rows.map((r) => [r.reason, r.mailed]).sort()).toEqual([["assigned", true], ["due", false], ["week_before", false]]);
    await sink.waitFor(14);
    // Written to everyone: no form that only fits a man.
    for (const m of sink.messages) expect(`${m.subject}\n${m.text}`).not.toMatch(/\b(rimasto|iscritto|registrato|benvenuto|interessato)\b/i);
  });

  it("shows managers completion by organisation, who is overdue, and a CSV", async () => {
    const report = (await assignmentReport(assignmentId, at(31)))!;
    expect(report.people.map((p) => [p.email, p.status, p.overdue])).toEqual([
      ["bruno@comune-due.it", "inProgress", true],
      ["carla@comune-due.it", "completed", false],
      ["dario@comune-due.it", "notStarted", true],
      ["non.confermata@comune-due.it", "notStarted", true],
      ["anna@comune-uno.it", "notStarted", true],
      ["nuova@comune-uno.it", "notStarted", true],
    ]);
    expect(report.byOrganisation).toEqual([
      { label: "Comune di Due", people: 4, completed: 1, inProgress: 1, overdue: 3, percent: 25 },
      { label: "Comune di Uno", people: 2, completed: 0, inProgress: 0, overdue: 2, percent: 0 },
    ]);
    expect(report.overdue.map((p) => p.email)).not.toContain("carla@comune-due.it");
    const csv = assignmentCsv(report);
    expect(csv.startsWith("\uFEFFnome,email,ente,stato,in_ritardo,scadenza,iscrizione,ultima_attivita,completato_il\r\n")).toBe(true);
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(7);
    expect(lines.find((l) => l.includes("carla@"))).toMatch(/^Carla Gialli,carla@comune-due\.it,Comune di Due,Completato,no,/);
    expect((await listAssignments(at(31))).find((a) => a.id === assignmentId)).toMatchObject({ people: 6, completed: 1, overdue: 5, domains: ["comune-due.it"] });
    // Before the due date nobody is overdue; the learner sees the assignment on the course.
    expect((await assignmentReport(assignmentId))!.overdue).toEqual([]);
    expect(await assignmentForCourse(anna, COURSE)).toMatchObject({ assignedByLabel: "Ufficio formazione della Provincia", dueDate: due });
  });
});

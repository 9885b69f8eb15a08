/**
 * The audit log as people read it: Italian descriptions of the action, the item with its name and a link,
 * and each changed field with its value before and after.
 */
import { inArray } from "drizzle-orm";
import { aggregators, announcements, auditLog, categories, conventions, jointInitiatives, pressReleases, users } from "@db/schema";
import { CONVENTION_STATUS_LABELS, INSTRUMENT_LABELS, lotFieldLabel } from "@/catalog";
import { PRESS_KIND_LABELS, PRESS_STATUS_LABELS } from "@/press";
import type { AuditChange } from "@/lib/audit";
import { getDb } from "@/lib/db";
import { formatDateTime, formatEuro } from "@/lib/format";

type Entry = typeof auditLog.$inferSelect;

export const ACTION_LABELS: Record<string, string> = {
  "convention.create": "Convenzione creata",
  "convention.update": "Convenzione modificata",
  "initiative.create": "Iniziativa congiunta creata",
  "initiative.update": "Iniziativa congiunta modificata",
  "plan.create": "Piano di attività creato",
  "plan.update": "Piano di attività modificato",
  "aggregator.create": "Soggetto aggregatore creato",
  "aggregator.update": "Soggetto aggregatore modificato",
  "category.create": "Categoria creata",
  "category.update": "Categoria modificata",
  "press.created": "Contenuto della sala stampa creato",
  "press.updated": "Contenuto della sala stampa modificato",
  "press.published": "Contenuto della sala stampa pubblicato",
  "press.unpublished": "Contenuto della sala stampa ritirato",
  "press.scheduled": "Pubblicazione programmata",
  "alerts.retry": "Invii di un avviso ritentati",
  "user.role_changed": "Ruolo di un utente cambiato",
  "user.deactivated": "Utente disattivato",
  "user.reactivated": "Utente riattivato",
  "user.deleted": "Account eliminato dalla persona",
  "user.signed_in": "Accesso con SPID o CIE",
  "user.created_with_identity": "Account creato con SPID o CIE",
  "user.identity_linked": "SPID o CIE collegato all'account",
  "user.identity_unlinked": "SPID o CIE scollegato dall'account",
  "certificate.revoke": "Attestato revocato",
  "training.assigned": "Corso assegnato",
};

/** Kinds of item, as the filter lists them. */
export const ENTITY_LABELS: Record<string, string> = {
  convention: "Convenzione",
  joint_initiative: "Iniziativa congiunta",
  activity_plan: "Piano di attività",
  aggregator: "Soggetto aggregatore",
  category: "Categoria",
  press_release: "Sala stampa",
  announcement: "Avviso",
  user: "Utente",
  certificate: "Attestato",
  training_assignment: "Formazione assegnata",
};

const FIELD_LABELS: Record<string, string> = {
  method: "Metodo",
  acr: "Livello di sicurezza",
  provider: "Gestore di identità",
  slug: "Indirizzo",
  title: "Titolo",
  summary: "Sintesi",
  description: "Descrizione",
  bodyMarkdown: "Testo",
  contactBlock: "Contatti",
  kind: "Tipo",
  status: "Stato",
  publishAt: "Pubblicazione programmata",
  aggregatorId: "Soggetto aggregatore",
  aggregator: "Soggetto aggregatore",
  categoryId: "Categoria",
  instrumentType: "Strumento",
  cig: "CIG",
  publishedOn: "Data di pubblicazione",
  startDate: "Data di inizio",
  endDate: "Data di fine",
  ceilingValue: "Massimale",
  usedValue: "Importo utilizzato",
  orderingUrl: "Piattaforma degli ordini",
  isExample: "Esempio",
  role: "Ruolo",
  reason: "Motivo",
  deliveries: "Invii rimessi in coda",
  year: "Anno",
  lots: "Lotti",
  course: "Corso",
  dueDate: "Scadenza",
  addresses: "Indirizzi",
  domains: "Domini",
  items: "Voce del piano",
  notes: "Note",
  expectedPeriod: "Periodo previsto",
  estimatedValue: "Valore stimato",
  conventionId: "Convenzione collegata",
  name: "Nome",
  shortName: "Nome breve",
  region: "Regione",
  territory: "Territorio",
  website: "Sito web",
  platformId: "Piattaforma",
  email: "Email",
  phone: "Telefono",
  address: "Indirizzo",
};

const ROLE_LABELS: Record<string, string> = { learner: "partecipante", editor: "redazione", admin: "amministrazione" };

/** A field's name in the log; lot fields are `lots.<number>` (added or removed) and `lots.<number>.<column>`. */
function fieldLabel(field: string): string {
  const lot = /^lots\.(\d+)(?:\.(\w+))?$/.exec(field);
  if (lot) return lot[2] ? `Lotto ${lot[1]}, ${lotFieldLabel(lot[2]).toLowerCase()}` : `Lotto ${lot[1]}`;
  const item = /^items\.(.+)\.(\w+)$/.exec(field);
  if (item) return `Voce «${item[1]}», ${(FIELD_LABELS[item[2]!] ?? item[2]!).toLowerCase()}`;
  const cpv = /^cpv\.(\d{8}-\d)$/.exec(field);
  if (cpv) return `Codice CPV ${cpv[1]}`;
  const document = /^documents\.(.+)$/.exec(field);
  if (document) return `Documento «${document[1]}»`;
  return FIELD_LABELS[field] ?? field;
}

function valueText(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (/^(lots\.\d+\.ceilingValue|items\..+\.estimatedValue)$/.test(field) && typeof value === "number") return formatEuro(value);
  if (/(^|\.)instrumentType$/.test(field) && typeof value === "string") return (INSTRUMENT_LABELS as Record<string, string>)[value] ?? value;
  if (field === "status" && typeof value === "string") return (CONVENTION_STATUS_LABELS as Record<string, string>)[value] ?? (PRESS_STATUS_LABELS as Record<string, string>)[value] ?? value;
  if (field === "kind" && typeof value === "string") return (PRESS_KIND_LABELS as Record<string, string>)[value] ?? value;
  if (field === "role" && typeof value === "string") return ROLE_LABELS[value] ?? value;
  if ((field === "ceilingValue" || field === "usedValue") && typeof value === "number") return formatEuro(value);
  if (field === "isExample") return value ? "sì" : "no";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(new Date(value));
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** "Maria Rossi (editor)" → "Maria Rossi (redazione)". */
export function actorText(label: string): string {
  return label.replace(/\((learner|editor|admin)\)$/, (_, role: string) => `(${ROLE_LABELS[role]})`);
}

export interface AuditRow {
  id: number;
  when: string;
  whenIso: string;
  who: string;
  what: string;
  item: { kind: string; name: string; href: string | null };
  changes: { field: string; before: string; after: string }[];
  notes: string[];
}

function hrefOf(type: string, id: string): string | null {
  switch (type) {
    case "convention": return `/gestione/catalogo/convenzioni/${id}`;
    case "joint_initiative": return `/gestione/catalogo/iniziative/${id}`;
    case "activity_plan": return `/gestione/catalogo/piani/${id}`;
    case "aggregator": return `/gestione/catalogo/soggetti/${id}`;
    case "category": return `/gestione/catalogo/categorie/${id}`;
    case "press_release": return `/gestione/comunicati/${id}`;
    case "announcement": return `/gestione/avvisi/${id}`;
    case "certificate": return `/attestati/${id}`;
    case "training_assignment": return `/gestione/formazione/assegnazioni/${id}`;
    default: return null;
  }
}

/** Names of the items the entries point at, read in one query per kind. */
async function namesOf(entries: Entry[]): Promise<Map<string, string>> {
  const db = await getDb();
  const ids = (type: string) => [...new Set(entries.filter((e) => e.entityType === type).map((e) => e.entityId))];
  const numeric = (list: string[]) => list.map(Number).filter(Number.isInteger);
  const names = new Map<string, string>();
  const put = (type: string, rows: { id: string | number; name: string }[]) => rows.forEach((r) => names.set(`${type}:${r.id}`, r.name));
  const [c, i, a, k, p, n, u] = [ids("convention"), ids("joint_initiative"), ids("aggregator"), ids("category"), ids("press_release"), ids("announcement"), ids("user")];
  if (c.length) put("convention", await db.select({ id: conventions.id, name: conventions.title }).from(conventions).where(inArray(conventions.id, numeric(c))));
  if (i.length) put("joint_initiative", await db.select({ id: jointInitiatives.id, name: jointInitiatives.title }).from(jointInitiatives).where(inArray(jointInitiatives.id, numeric(i))));
  if (a.length) put("aggregator", await db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).where(inArray(aggregators.id, a)));
  if (k.length) put("category", await db.select({ id: categories.id, name: categories.name }).from(categories).where(inArray(categories.id, k)));
  if (p.length) put("press_release", await db.select({ id: pressReleases.id, name: pressReleases.title }).from(pressReleases).where(inArray(pressReleases.id, numeric(p))));
  if (n.length) put("announcement", await db.select({ id: announcements.id, name: announcements.title }).from(announcements).where(inArray(announcements.id, numeric(n))));
  if (u.length) put("user", await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, u)));
  return names;
}

export async function describeAudit(entries: Entry[]): Promise<AuditRow[]> {
  const names = await namesOf(entries);
  return entries.map((e) => {
    const details = { ...(e.details ?? {}) } as Record<string, unknown>;
    const stored = Array.isArray(details.changes) ? (details.changes as AuditChange[]) : [];
    delete details.changes;
    const name = names.get(`${e.entityType}:${e.entityId}`) ?? (typeof details.title === "string" ? details.title : null);
    delete details.title;
    const changes = stored.map((c) => ({ field: fieldLabel(c.field), before: valueText(c.field, c.before), after: valueText(c.field, c.after) }));
    const notes = Object.entries(details)
      .filter(([key]) => key !== "slug")
      .map(([key, value]) => `${FIELD_LABELS[key] ?? key}: ${valueText(key, value)}`);
    return {
      id: e.id,
      when: formatDateTime(e.createdAt),
      whenIso: e.createdAt.toISOString(),
      who: actorText(e.actorLabel),
      what: ACTION_LABELS[e.action] ?? e.action,
      item: {
        kind: ENTITY_LABELS[e.entityType] ?? e.entityType,
        name: name ?? (e.entityType === "user" ? "account eliminato" : `n. ${e.entityId}`),
        href: e.entityType === "user" ? (names.has(`user:${e.entityId}`) ? "/gestione/utenti" : null) : hrefOf(e.entityType, e.entityId),
      },
      changes,
      notes,
    };
  });
}

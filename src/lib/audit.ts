import { and, count, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { auditLog } from "@db/schema";
import { getDb, type Database } from "@/lib/db";

/** Anything that can insert: the database or an open transaction. */
export type Writer = Pick<Database, "insert">;

export interface Actor {
  id: string | null;
  /** Shown in the audit log even after the account is deleted (e.g. "redazione (editor)"). */
  label: string;
}

/** One changed field, stored in `details.changes`. */
export interface AuditChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** Records who changed what; call it inside the same transaction as the change. */
export async function recordAudit(
  writer: Writer,
  actor: Actor,
  action: string,
  entity: { type: string; id: string | number },
  details?: Record<string, unknown>,
): Promise<void> {
  await writer.insert(auditLog).values({
    actorId: actor.id,
    actorLabel: actor.label,
    action,
    entityType: entity.type,
    entityId: String(entity.id),
    details: details ?? null,
  });
}

function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value;
}

/** The fields whose value differs between two versions of a row (dates compared as instants). */
export function changesBetween(before: Record<string, unknown>, after: Record<string, unknown>, fields: string[] = Object.keys(after)): AuditChange[] {
  const out: AuditChange[] = [];
  for (const field of fields) {
    const b = comparable(before[field]);
    const a = comparable(after[field]);
    if (JSON.stringify(b) !== JSON.stringify(a)) out.push({ field, before: b, after: a });
  }
  return out;
}

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  /** The actor's account id, or their label for entries without one. */
  actor?: string;
  entityType?: string;
  /** Inclusive bounds, as instants (the page turns local dates into them). */
  from?: Date;
  until?: Date;
}

function whereOf(filters: AuditFilters): SQL | undefined {
  const conditions: SQL[] = [];
  if (filters.actor) conditions.push(filters.actor.startsWith("etichetta:") ? eq(auditLog.actorLabel, filters.actor.slice("etichetta:".length)) : eq(auditLog.actorId, filters.actor));
  if (filters.entityType) conditions.push(eq(auditLog.entityType, filters.entityType));
  if (filters.from) conditions.push(gte(auditLog.createdAt, filters.from));
  if (filters.until) conditions.push(lt(auditLog.createdAt, filters.until));
  return conditions.length ? and(...conditions) : undefined;
}

/** One page of the audit log, newest first, for the back office. */
export async function listAudit(page: number, filters: AuditFilters = {}): Promise<{ entries: (typeof auditLog.$inferSelect)[]; pageCount: number; total: number }> {
  const db = await getDb();
  const where = whereOf(filters);
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(auditLog).where(where);
  const entries = await db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((page - 1) * AUDIT_PAGE_SIZE);
  return { entries, pageCount: Math.max(1, Math.ceil(n / AUDIT_PAGE_SIZE)), total: n };
}

/** The people and the kinds of item that appear in the log, for the filters. */
export async function auditFacets(): Promise<{ actors: { value: string; label: string }[]; entityTypes: string[] }> {
  const db = await getDb();
  const actors = await db.selectDistinct({ id: auditLog.actorId, label: auditLog.actorLabel }).from(auditLog);
  const types = await db.selectDistinct({ type: auditLog.entityType }).from(auditLog);
  const byValue = new Map<string, string>();
  for (const a of actors) byValue.set(a.id ?? `etichetta:${a.label}`, a.label);
  return {
    actors: [...byValue].map(([value, label]) => ({ value, label })).sort((x, y) => x.label.localeCompare(y.label, "it")),
    entityTypes: types.map((t) => t.type).sort(),
  };
}

import { count, desc } from "drizzle-orm";
import { auditLog } from "@db/schema";
import { getDb, type Database } from "@/lib/db";

/** Anything that can insert: the database or an open transaction. */
export type Writer = Pick<Database, "insert">;

export interface Actor {
  id: string | null;
  /** Shown in the audit log even after the account is deleted (e.g. "redazione (editor)"). */
  label: string;
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

export const AUDIT_PAGE_SIZE = 50;

/** One page of the audit log, newest first, for the back office. */
export async function listAudit(page: number): Promise<{ entries: (typeof auditLog.$inferSelect)[]; pageCount: number }> {
  const db = await getDb();
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(auditLog);
  const entries = await db
    .select()
    .from(auditLog)
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((page - 1) * AUDIT_PAGE_SIZE);
  return { entries, pageCount: Math.max(1, Math.ceil(n / AUDIT_PAGE_SIZE)) };
}

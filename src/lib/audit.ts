import { auditLog } from "@db/schema";
import type { Database } from "@/lib/db";

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

/**
 * The transactional outbox. Whoever publishes content (back office, seed
 * loader, import) calls `announce` inside the same transaction that writes
 * the content, so nothing published is missed and nothing rolled back is sent.
 */
import { announcements, type AnnouncementKind } from "@db/schema";
import type { Writer } from "@/lib/audit";

export interface AnnouncementInput {
  kind: AnnouncementKind;
  /** Unique per event, e.g. "convention:12:published"; a repeated key is ignored. */
  eventKey: string;
  entityType: string;
  entityId: string | number;
  title: string;
  summary?: string;
  /** Site-relative path of the announced page, e.g. "/convenzioni/pulizia-uffici-milano". */
  path: string;
  categoryId?: string | null;
  aggregatorIds?: string[];
  regions?: string[];
}

/** Writes the announcement; returns false when its event key was already announced. */
export async function announce(writer: Writer, input: AnnouncementInput): Promise<boolean> {
  const inserted = await writer
    .insert(announcements)
    .values({
      kind: input.kind,
      eventKey: input.eventKey,
      entityType: input.entityType,
      entityId: String(input.entityId),
      title: input.title,
      summary: input.summary ?? "",
      path: input.path,
      categoryId: input.categoryId ?? null,
      aggregatorIds: input.aggregatorIds ?? [],
      regions: input.regions ?? [],
    })
    .onConflictDoNothing({ target: announcements.eventKey })
    .returning({ id: announcements.id });
  return inserted.length > 0;
}

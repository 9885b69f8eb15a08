/** Transactional mail in tests: it is queued in the database and sent a moment later (see src/outbox/mail.ts). */
import { and, eq, lte } from "drizzle-orm";
import { vi } from "vitest";
import { outboundMail } from "@db/schema";
import type { Database } from "@/lib/db";

/** Waits until no queued message is due any more: each one was sent, given up, or scheduled for a later retry. */
export async function mailQueueSettled(db: Database, timeoutMs = 15_000): Promise<void> {
  await vi.waitFor(
    async () => {
      const due = await db
        .select({ id: outboundMail.id })
        .from(outboundMail)
        .where(and(eq(outboundMail.status, "queued"), lte(outboundMail.nextAttemptAt, new Date())));
      if (due.length > 0) throw new Error(`${due.length} queued messages still due`);
    },
    { timeout: timeoutMs, interval: 25 },
  );
}

/** The queue rows of one recipient, oldest first (what was queued, whatever became of it). */
export async function queuedFor(db: Database, recipient: string) {
  return db.select().from(outboundMail).where(eq(outboundMail.recipient, recipient)).orderBy(outboundMail.id);
}

/** Helpers for alert tests: confirmed subscribers in bulk and a worker wired to a real SMTP peer. */
import { subscribers, type AnnouncementKind } from "@db/schema";
import type { Database } from "@/lib/db";
import { createMailer, type Mailer } from "@/mail";
import { linkSecret } from "@/alerts/secret";
import { createOutboxStore } from "@/alerts/store";
import { matchSavedSearch } from "@/alerts/job";
import { AlertWorker, type WorkerConfig } from "@/alerts/worker";

export const SITE = "http://aggrega.test";

export interface SubscriberSpec {
  email: string;
  kinds?: AnnouncementKind[];
  categories?: string[];
  aggregators?: string[];
  regions?: string[];
  frequency?: "immediate" | "weekly";
}

/** Inserts confirmed subscribers (confirmed an hour ago), in chunks; returns their ids. */
export async function addSubscribers(db: Database, specs: SubscriberSpec[]): Promise<number[]> {
  const ids: number[] = [];
  const confirmedAt = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < specs.length; i += 500) {
    const rows = await db
      .insert(subscribers)
      .values(
        specs.slice(i, i + 500).map((s) => ({
          email: s.email,
          status: "confirmed" as const,
          frequency: s.frequency ?? "immediate",
          interests: { kinds: s.kinds ?? ["convention", "planned", "initiative", "press"], categories: s.categories ?? [], aggregators: s.aggregators ?? [], regions: s.regions ?? [] },
          consentAt: confirmedAt,
          consentText: "test",
          confirmedAt,
        })),
      )
      .returning({ id: subscribers.id });
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

export function testWorker(db: Database, smtpUrl: string, config: Partial<WorkerConfig> = {}): { worker: AlertWorker; mailer: Mailer } {
  const mailer = createMailer({ smtpUrl, outboxDir: "/nonexistent", from: "Aggrega <avvisi@aggrega.test>", messageIdDomain: "aggrega.test", pool: true, timeoutMs: 3000 });
  const worker = new AlertWorker({ store: createOutboxStore(db), mailer, context: { siteUrl: SITE }, secret: () => linkSecret(db), matchSavedSearch }, config);
  return { worker, mailer };
}

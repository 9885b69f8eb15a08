/**
 * The delivery worker's bookkeeping (src/alerts/store.ts): recording a batch
 * of sent messages marks exactly the deliveries this worker leased, each with
 * its own message id, and restarts the failure count of the addresses that
 * got through.
 */
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcements, deliveries, subscribers } from "@db/schema";
import { createOutboxStore } from "@/alerts/store";
import { announce } from "@/outbox";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.cleanup());

async function leasedDeliveries(count: number, owner: string) {
  const eventKey = `store-test:${owner}`;
  await t.db.transaction((tx) =>
    announce(tx, { kind: "press", eventKey, entityType: "press_release", entityId: owner, title: "Prova", summary: "Prova", path: "/sala-stampa" }),
  );
  const [announcement] = await t.db.select().from(announcements).where(eq(announcements.eventKey, eventKey));
  const people = await t.db
    .insert(subscribers)
    .values(Array.from({ length: count }, (_, i) => ({ email: `${owner}-${i}@esempio.it`, status: "confirmed" as const, failureCount: 2, interests: { kinds: ["press" as const], categories: [], aggregators: [], regions: [] }, consentAt: new Date(), consentText: "Consenso di prova" })))
    .returning({ id: subscribers.id });
  const rows = await t.db
    .insert(deliveries)
    .values(people.map((p) => ({ announcementId: announcement!.id, subscriberId: p.id, nextAttemptAt: new Date(), leaseOwner: owner, leaseUntil: new Date(Date.now() + 60_000) })))
    .returning({ id: deliveries.id, subscriberId: deliveries.subscriberId });
  return rows;
}

describe("markSent", () => {
  it("marks each leased delivery with its own message id, whatever the batch size, and resets the failure counts", async () => {
    const store = createOutboxStore(t.db);
    for (const size of [1, 3, 150]) {
      const owner = `worker-${size}`;
      const rows = await leasedDeliveries(size, owner);
      const sent = rows.map((r) => ({ deliveryIds: [r.id], messageId: `<${r.id}@aggrega.test>` }));
      const now = Date.now();
      expect(await store.markSent(sent, owner, now, rows.map((r) => r.subscriberId))).toBe(size);
      const after = await t.db.select().from(deliveries).where(inArray(deliveries.id, rows.map((r) => r.id)));
      for (const d of after) {
        expect(d).toMatchObject({ status: "sent", messageId: `<${d.id}@aggrega.test>`, leaseOwner: null, leaseUntil: null, lastError: null });
        expect(d.sentAt?.getTime()).toBe(now);
      }
      const people = await t.db.select().from(subscribers).where(inArray(subscribers.id, rows.map((r) => r.subscriberId)));
      expect(people.every((p) => p.failureCount === 0)).toBe(true);
    }
  });

  it("leaves deliveries leased by another worker alone", async () => {
    const store = createOutboxStore(t.db);
    const rows = await leasedDeliveries(2, "worker-altro");
    const sent = rows.map((r) => ({ deliveryIds: [r.id], messageId: `<${r.id}@aggrega.test>` }));
    expect(await store.markSent(sent, "worker-diverso", Date.now(), [])).toBe(0);
    const after = await t.db.select().from(deliveries).where(inArray(deliveries.id, rows.map((r) => r.id)));
    expect(after.every((d) => d.status === "queued" && d.messageId === null && d.leaseOwner === "worker-altro")).toBe(true);
  });
});

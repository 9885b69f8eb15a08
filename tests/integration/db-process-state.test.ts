/**
 * `npm start` loads src/lib/db.ts twice in one process: the built server
 * bundles a copy beside the one the background jobs import. Both copies must
 * share the connection and the count of open transactions, or a job woken
 * during a request's transaction writes on another connection, waits in
 * SQLite's busy handler (which blocks the event loop) and both stall.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.cleanup();
});

describe("the process-wide database state", () => {
  it("is one connection and one transaction count for every copy of the module", async () => {
    const first = await import("@/lib/db");
    vi.resetModules();
    const second = await import("@/lib/db");
    expect(second).not.toBe(first);
    first.useConnection(tdb);
    expect(await second.getDb()).toBe(tdb.db);

    let settled = false;
    await (await first.getDb()).transaction(async (tx) => {
      void second.transactionsSettled().then(() => (settled = true));
      await tx.run("SELECT 1");
      await new Promise((resolve) => setImmediate(resolve));
      // The other copy knows a transaction is open and waits for it.
      expect(settled).toBe(false);
    });
    await vi.waitFor(() => expect(settled).toBe(true));
  });
});

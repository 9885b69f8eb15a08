/**
 * Back-office imports as jobs: the upload is queued, one pass of the job runs it and stores the summary and the
 * rejected rows for the progress page; a malformed file fails with a message and changes nothing; what can be
 * refused at once (empty, too large, OCDS without schemas) is refused on the form's field.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { count, eq, isNotNull } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { auditLog, catalogImports, conventions } from "@db/schema";
import { importJob, IMPORT_UPLOAD_MAX_BYTES, queueImport, runNextImport } from "@/interop/import";
import { createUserWithRole } from "../helpers/auth";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const DERIVED_ANAC = path.join(ROOT, "tests/fixtures/import/anac-cig-derived.csv");
let tdb: TestDatabase | undefined;
afterEach(async () => {
  await tdb?.cleanup();
  tdb = undefined;
});

const imported = async () => (await tdb!.db.select({ n: count() }).from(conventions).where(isNotNull(conventions.sourceKey)))[0]!.n;
const base = { format: "anac-cig" as const, fileName: "cig.csv", dryRun: false, partial: false, lenient: false };

describe("back-office import jobs", () => {
  it("runs a queued import and keeps its summary, with the editor in the audit log; a second pass finds nothing to do", async () => {
    tdb = await createTestDatabase({ seed: true });
    const editor = await createUserWithRole("editor", { name: "Marta Catalogo" });
    const id = await queueImport({ ...base, content: await readFile(DERIVED_ANAC), requestedBy: editor.id });
    expect((await importJob(id))!.status).toBe("queued");
    expect(await runNextImport()).toBe(true);
    const job = (await importJob(id))!;
    expect(job).toMatchObject({ status: "done", processed: 3, total: 3, failure: null });
    expect(job.result).toMatchObject({ read: 5, created: 3, updated: 0, unchanged: 0, written: true, source: { name: "ANAC", licence: "CC BY 4.0" } });
    expect(job.result!.skipped).toHaveLength(2);
    expect(await imported()).toBe(2);
    const [audit] = await tdb.db.select().from(auditLog).where(eq(auditLog.action, "catalog.import"));
    expect(audit).toMatchObject({ actorId: editor.id, actorLabel: "Marta Catalogo (editor)", entityId: "anac-cig" });
    expect(await runNextImport()).toBe(false);
    // The uploaded file is not kept once imported.
    const [stored] = await tdb.db.select({ content: catalogImports.content }).from(catalogImports).where(eq(catalogImports.id, id));
    expect(stored!.content.byteLength).toBe(0);
  });

  it("keeps the rejected rows of a refused import and changes nothing; a malformed file fails with its reason", async () => {
    tdb = await createTestDatabase({ seed: true });
    const bad = Buffer.from((await readFile(DERIVED_ANAC, "utf8")).replaceAll("12500000.5", "tanti"));
    const refusedId = await queueImport({ ...base, content: bad, requestedBy: null });
    const brokenId = await queueImport({ ...base, format: "consip-bandi", fileName: "bandi.csv", content: Buffer.from("x;y\n1;2\n"), requestedBy: null });
    await runNextImport();
    await runNextImport();
    const refused = (await importJob(refusedId))!;
    expect(refused.status).toBe("done");
    expect(refused.result).toMatchObject({ written: false, created: 0, refusal: expect.stringMatching(/nessuna modifica/) });
    expect(refused.result!.rejected).toEqual([{ where: { line: 2 }, reason: "CIG B1A2C3D4E5: importo_lotto «tanti» non è un importo" }]);
    const broken = (await importJob(brokenId))!;
    expect(broken).toMatchObject({ status: "failed", failure: "Il file non si può importare: non è un file «bandi e gare» di Consip: mancano le colonne denominazione_bando, tipo_strumento. Nessuna modifica." });
    expect(await imported()).toBe(0);
  });

  it("refuses an empty or too large file and OCDS without the schemas on the form's fields, queueing nothing", async () => {
    tdb = await createTestDatabase();
    await expect(queueImport({ ...base, content: new Uint8Array(), requestedBy: null })).rejects.toMatchObject({ field: "file", message: "Il file caricato è vuoto." });
    await expect(queueImport({ ...base, content: new Uint8Array(IMPORT_UPLOAD_MAX_BYTES + 1), requestedBy: null })).rejects.toMatchObject({ field: "file", message: /troppo grande/ });
    await expect(queueImport({ ...base, format: "ocds", content: Buffer.from("{}"), requestedBy: null })).rejects.toMatchObject({ field: "format", message: /OCDS_SCHEMAS_DIR/ });
    expect((await tdb.db.select({ n: count() }).from(catalogImports))[0]!.n).toBe(0);
  });
});

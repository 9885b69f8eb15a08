/**
 * Imports started from the back office run as a background job: the upload is
 * stored with its options (table catalog_imports), the `catalog-import` job of
 * src/jobs.ts claims it, runs the same import as the command line and records
 * the progress, then the summary and the rejected rows, which the progress
 * page (/gestione/catalogo/importa/<id>) shows. An import whose process died
 * while running wrote nothing (all-or-nothing) or only whole items (partial):
 * it is run again, which idempotence makes safe.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import { catalogImports, users, type ImportFormat } from "@db/schema";
import { actorOf } from "@/accounts";
import type { Actor } from "@/lib/audit";
import { getDb, transactionsSettled } from "@/lib/db";
import type { BackgroundJob } from "@/lib/job";
import { errorMessage, log } from "@/lib/log";
import { Refusal } from "@/lib/refusal";
import { runImport, ocdsSchemas, SchemasMissingError } from "./run";
import { MalformedFileError } from "./text";
import type { ImportResult } from "./types";

/** Largest file accepted from the back office (the form's body limit is a little larger). */
export const IMPORT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024;
/** A running import not heard of for this long is taken to have died with its process. */
const STALE_MS = 15 * 60 * 1000;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 500;

const wakers = new Set<() => void>();
/** Progress of the imports running in this process, fresher than the stored one during a transaction. */
const live = new Map<number, { processed: number; total: number }>();

export interface QueuedImport {
  format: ImportFormat;
  fileName: string;
  content: Uint8Array;
  dryRun: boolean;
  partial: boolean;
  lenient: boolean;
  requestedBy: string | null;
}

/** Stores an upload to be imported; refuses at once what can be known now (empty, too large, OCDS not configured). */
export async function queueImport(input: QueuedImport): Promise<number> {
  if (input.content.byteLength === 0) throw new Refusal("Il file caricato è vuoto.", "file");
  if (input.content.byteLength > IMPORT_UPLOAD_MAX_BYTES) {
    throw new Refusal(`Il file è troppo grande: al massimo ${IMPORT_UPLOAD_MAX_BYTES / 1024 / 1024} MB.`, "file");
  }
  if (input.format === "ocds") {
    try {
      await ocdsSchemas();
    } catch (error) {
      if (error instanceof SchemasMissingError) throw new Refusal("L'importazione OCDS non è configurata su questo sito: manca la cartella degli schemi ufficiali (OCDS_SCHEMAS_DIR).", "format");
      throw error;
    }
  }
  const db = await getDb();
  const [row] = await db
    .insert(catalogImports)
    .values({ ...input, content: Buffer.from(input.content), fileName: input.fileName.slice(0, 200) || "file" })
    .returning({ id: catalogImports.id });
  for (const wake of wakers) wake();
  return row!.id;
}

export type ImportJobView = Omit<typeof catalogImports.$inferSelect, "content" | "summary"> & { result: ImportResult | null };

/** An import as its progress page shows it (without the file's bytes). */
export async function importJob(id: number): Promise<ImportJobView | null> {
  const db = await getDb();
  const [row] = await db
    .select({
      id: catalogImports.id,
      format: catalogImports.format,
      fileName: catalogImports.fileName,
      partial: catalogImports.partial,
      lenient: catalogImports.lenient,
      dryRun: catalogImports.dryRun,
      status: catalogImports.status,
      processed: catalogImports.processed,
      total: catalogImports.total,
      summary: catalogImports.summary,
      failure: catalogImports.failure,
      requestedBy: catalogImports.requestedBy,
      createdAt: catalogImports.createdAt,
      startedAt: catalogImports.startedAt,
      finishedAt: catalogImports.finishedAt,
    })
    .from(catalogImports)
    .where(eq(catalogImports.id, id));
  if (!row) return null;
  const { summary, ...rest } = row;
  const here = row.status === "running" ? live.get(id) : undefined;
  return { ...rest, ...(here ?? {}), result: (summary as ImportResult | null) ?? null };
}

/** The latest imports, for the upload page. */
export async function recentImports(limit = 10) {
  const db = await getDb();
  return db
    .select({ id: catalogImports.id, format: catalogImports.format, fileName: catalogImports.fileName, status: catalogImports.status, createdAt: catalogImports.createdAt, dryRun: catalogImports.dryRun })
    .from(catalogImports)
    .orderBy(sql`${catalogImports.id} DESC`)
    .limit(limit);
}

/** Claims the oldest queued import (or one whose process died); null when there is none. */
async function claim(): Promise<(typeof catalogImports.$inferSelect) | null> {
  const db = await getDb();
  await transactionsSettled();
  const now = Date.now();
  await db
    .update(catalogImports)
    .set({ status: "queued" })
    .where(and(eq(catalogImports.status, "running"), lt(catalogImports.startedAt, new Date(now - STALE_MS))));
  const [next] = await db.select({ id: catalogImports.id }).from(catalogImports).where(eq(catalogImports.status, "queued")).orderBy(catalogImports.id).limit(1);
  if (!next) return null;
  // Only one process wins the row: the update is conditional on it still being queued.
  const [claimed] = await db
    .update(catalogImports)
    .set({ status: "running", startedAt: new Date(now), processed: 0 })
    .where(and(eq(catalogImports.id, next.id), eq(catalogImports.status, "queued")))
    .returning();
  return claimed ?? null;
}

/** Who asked for an import, for the audit log: the editor, or a neutral label once the account is gone. */
async function requester(userId: string | null): Promise<Actor> {
  if (userId) {
    const db = await getDb();
    const [user] = await db.select({ id: users.id, name: users.name, role: users.role }).from(users).where(eq(users.id, userId));
    if (user) return actorOf(user);
  }
  return { id: null, label: "importazione dal back office" };
}

/** Runs one queued import to its end; returns false when nothing was queued. */
export async function runNextImport(): Promise<boolean> {
  const job = await claim();
  if (!job) return false;
  const db = await getDb();
  let lastWrite = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const progress = (done: number, total: number, inTransaction: boolean) => {
    live.set(job.id, { processed: done, total });
    const now = Date.now();
    // Inside the import's transaction no other statement may write (it would wait on the lock the import holds):
    // the progress lives in this process until the transaction ends.
    if (inTransaction || (now - lastWrite < PROGRESS_EVERY_MS && done < total && done > 0)) return;
    lastWrite = now;
    pending = pending.then(() => db.update(catalogImports).set({ processed: done, total }).where(eq(catalogImports.id, job.id)));
    return pending;
  };
  try {
    const result = await runImport(
      job.format,
      job.content,
      { dryRun: job.dryRun, partial: job.partial, lenient: job.lenient },
      { actor: await requester(job.requestedBy), progress },
    );
    await pending;
    await transactionsSettled();
    await db
      .update(catalogImports)
      // The file is not kept once imported: the summary says what it held.
      .set({ status: "done", summary: result as unknown as Record<string, unknown>, finishedAt: new Date(), processed: result.created + result.updated + result.unchanged, content: Buffer.alloc(0) })
      .where(eq(catalogImports.id, job.id));
    live.delete(job.id);
    log("info", "catalog_import.done", { id: job.id, format: job.format, created: result.created, updated: result.updated, rejected: result.rejected.length });
  } catch (error) {
    live.delete(job.id);
    await pending;
    const known = error instanceof MalformedFileError || error instanceof SchemasMissingError;
    if (!known) log("error", "catalog_import.failed", { id: job.id, error: errorMessage(error) });
    const failure = known ? `Il file non si può importare: ${error.message}. Nessuna modifica.` : "L'importazione non è riuscita per un errore del sistema; nessuna modifica. L'errore è stato registrato.";
    await transactionsSettled();
    await db.update(catalogImports).set({ status: "failed", failure, finishedAt: new Date(), content: Buffer.alloc(0) }).where(eq(catalogImports.id, job.id));
  }
  return true;
}

export function catalogImportJob(): BackgroundJob {
  return {
    name: "catalog-import",
    intervalMs: 2000,
    async run(signal) {
      while (!signal.aborted && (await runNextImport())) {
        // One import after another until none is queued.
      }
    },
    onWake(wake) {
      wakers.add(wake);
      return () => wakers.delete(wake);
    },
  };
}

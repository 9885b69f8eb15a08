/**
 * One database connection per process. `file:` URLs give the embedded
 * database through Node's own SQLite (`node:sqlite`, one connection, cached
 * prepared statements, see openFileDatabase); `libsql://` or `http(s)://`
 * URLs point the same code at a libSQL server through `@libsql/client`.
 * Either way pages and domain functions see the same drizzle `Database`.
 *
 * Domain functions reach the database one way: `getDb()` inside the function
 * (or the transaction they were handed). The process-wide state lives on
 * globalThis because `npm start` loads this module twice (the built server
 * bundles its own copy beside the one the background jobs import): both
 * copies must share one connection, one transaction queue and one count of
 * open transactions.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { createClient, type Client, type TransactionMode } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate as migrateRemote } from "drizzle-orm/libsql/migrator";
import { drizzle as drizzleProxy } from "drizzle-orm/sqlite-proxy";
import { migrate as migrateProxy } from "drizzle-orm/sqlite-proxy/migrator";
import type { SQL } from "drizzle-orm";
import * as schema from "@db/schema";
import { config } from "@/config";

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;

/** Connections per client for a libSQL server (libSQL's default, stated because each one needs its PRAGMAs). */
const POOL_SIZE = 20;

/** Prepared statements kept per file connection; the least recently used one goes past this. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The drizzle database. Both drivers share drizzle's SQLite query builder;
 * the type is the libSQL one, and the file driver answers `run()` with the
 * same fields (`rows`, `columns`, `rowsAffected`, `lastInsertRowid`).
 */
export type Database = LibSQLDatabase<typeof schema>;

/** An open interactive transaction, as passed to `db.transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface Connection {
  /**
   * A `@libsql/client` client on the same database, for raw SQL in tests and
   * command-line tools. On a file database it is a second connection, opened
   * on first use (like another process would); closing it closes the whole
   * connection.
   */
  client: Client;
  db: Database;
  url: string;
  /** Applies drizzle migrations from `folder` with the driver's own migrator. */
  migrate(folder: string): Promise<void>;
  close(): void;
}

/**
 * Interactive transactions open in this process. On a file database they
 * also take turns in a queue (see createQueue), and any statement issued
 * outside the open transaction waits for it there. On a libSQL server, where
 * a plain write on another pooled connection could otherwise sit in a busy
 * handler meanwhile, background jobs await `transactionsSettled()` before
 * each write, so they never interleave with a request's transaction.
 */
interface ProcessState {
  current?: Promise<Connection>;
  openTransactions: number;
  settledWaiters: (() => void)[];
}

const STATE_KEY = Symbol.for("aggrega.db.state");

function processState(): ProcessState {
  const holder = globalThis as { [STATE_KEY]?: ProcessState };
  holder[STATE_KEY] ??= { openTransactions: 0, settledWaiters: [] };
  return holder[STATE_KEY];
}

function transactionStarted(): void {
  processState().openTransactions += 1;
}

function transactionEnded(): void {
  const state = processState();
  state.openTransactions -= 1;
  if (state.openTransactions > 0) return;
  const waiters = state.settledWaiters;
  state.settledWaiters = [];
  for (const resolve of waiters) resolve();
}

/** Resolves at once when no interactive transaction is open in this process, otherwise when the last one ends. */
export function transactionsSettled(): Promise<void> {
  const state = processState();
  return state.openTransactions === 0 ? Promise.resolve() : new Promise((resolve) => state.settledWaiters.push(resolve));
}

/**
 * A first-come, first-served queue of holders: `acquire()` resolves with the
 * function that lets the next one in. Interactive transactions on a file
 * database take their turn here, in JavaScript, instead of in SQLite's busy
 * handler (which waits synchronously and freezes the event loop that the
 * transaction holding the lock needs in order to finish).
 */
export function createQueue(): { acquire(): Promise<() => void>; readonly busy: boolean } {
  let tail: Promise<void> = Promise.resolve();
  let holders = 0;
  return {
    get busy() {
      return holders > 0;
    },
    acquire() {
      holders += 1;
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const ready = tail.then(() => {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          holders -= 1;
          release();
        };
      });
      tail = tail.then(() => turn);
      return ready;
    },
  };
}

// ---------------------------------------------------------------------------
// The embedded file database: node:sqlite behind drizzle's sqlite-proxy driver.

/** SQLite's primary result codes by number, named as libSQL names them (SQLITE_BUSY…), for src/lib/unavailable.ts and logs. */
const SQLITE_CODES = [
  "OK", "ERROR", "INTERNAL", "PERM", "ABORT", "BUSY", "LOCKED", "NOMEM", "READONLY", "INTERRUPT", "IOERR", "CORRUPT", "NOTFOUND",
  "FULL", "CANTOPEN", "PROTOCOL", "EMPTY", "SCHEMA", "TOOBIG", "CONSTRAINT", "MISMATCH", "MISUSE", "NOLFS", "AUTH", "FORMAT", "RANGE", "NOTADB",
];

function named(error: unknown): unknown {
  const err = error as { code?: unknown; errcode?: unknown; rawCode?: number };
  if (err && err.code === "ERR_SQLITE_ERROR" && typeof err.errcode === "number") {
    err.rawCode = err.errcode;
    err.code = `SQLITE_${SQLITE_CODES[err.errcode & 0xff] ?? "ERROR"}`;
  }
  return error;
}

/** libSQL's client takes booleans, dates and ArrayBuffers as parameters; node:sqlite does not. */
function bindable(params: unknown[]): SQLInputValue[] {
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "bigint") continue;
    if (typeof value === "boolean") params[i] = value ? 1 : 0;
    else if (value instanceof Date) params[i] = value.getTime();
    else if (value instanceof ArrayBuffer) params[i] = new Uint8Array(value);
    else if (value === undefined) params[i] = null;
  }
  return params as SQLInputValue[];
}

type Method = "run" | "all" | "get" | "values";

/** What the proxy driver expects back: rows as arrays (one row for "get"); "run" adds libSQL's ResultSet fields. */
type Executed = { rows: any; columns?: string[]; rowsAffected?: number; lastInsertRowid?: bigint };

/** Where a statement stands: inside the transaction that holds the queue, or outside it. */
interface TransactionContext {
  tx?: Transaction;
}

function filePath(url: string): string {
  if (url.startsWith("file://")) return fileURLToPath(url);
  const rest = url.slice("file:".length);
  return rest.split("?")[0]!;
}

/**
 * Opens a file database on one `node:sqlite` connection. Statements are
 * prepared once and kept (least recently used out past
 * STATEMENT_CACHE_SIZE); rows come back as arrays, the shape drizzle maps
 * from. Every call is synchronous on the main thread, so a pool would add no
 * parallelism: interactive transactions (and `batch`) take their turn in one
 * queue, and statements from outside an open transaction wait behind it,
 * so nothing ever reaches SQLite's busy handler from inside this process.
 * Integers beyond 2^53 are refused on reading (ERR_OUT_OF_RANGE), never rounded.
 */
function openFileDatabase(url: string): Connection {
  const file = filePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  // With WAL, NORMAL is durable across application crashes and does not fsync on every commit.
  sqlite.exec("PRAGMA synchronous = NORMAL");

  const statements = new Map<string, StatementSync>();
  function prepared(sql: string): StatementSync {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql);
    } else {
      statement = sqlite.prepare(sql);
      statement.setReturnArrays(true);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, statement);
    return statement;
  }
  const objectStatements = new Map<string, StatementSync>();
  /** Raw `db.all(sql)` / `db.get(sql)` answer objects keyed by column name, as with libSQL. */
  function preparedForObjects(sql: string): StatementSync {
    let statement = objectStatements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      if (objectStatements.size >= STATEMENT_CACHE_SIZE / 5) objectStatements.delete(objectStatements.keys().next().value!);
      objectStatements.set(sql, statement);
    }
    return statement;
  }

  /** One statement; `withColumns` adds the column names (raw reads in a batch answer objects). */
  function execute(sql: string, params: unknown[], method: Method, withColumns = false): Executed {
    try {
      const statement = prepared(sql);
      const args = bindable(params);
      if (method === "get" || method === "all" || method === "values") {
        const rows = method === "get" ? statement.get(...args) : statement.all(...args);
        return withColumns ? { rows, columns: statement.columns().map((c) => c.name) } : { rows };
      }
      if (statement.columns().length > 0) {
        const rows = statement.all(...args);
        return { rows, columns: statement.columns().map((c) => c.name), rowsAffected: 0, lastInsertRowid: undefined };
      }
      const result = statement.run(...args);
      return { rows: [], columns: [], rowsAffected: Number(result.changes), lastInsertRowid: BigInt(result.lastInsertRowid) };
    } catch (error) {
      throw named(error);
    }
  }

  const queue = createQueue();
  const context = new AsyncLocalStorage<TransactionContext>();
  let holder: TransactionContext | undefined;

  /** Runs `work` now if it belongs to the open transaction or nothing is queued, otherwise after its turn. */
  async function inTurn<T>(work: () => T): Promise<T> {
    if (holder && context.getStore() === holder) return work();
    if (!queue.busy) return work();
    const leave = await queue.acquire();
    try {
      return work();
    } finally {
      leave();
    }
  }

  const db = drizzleProxy(
    (sql, params, method) => inTurn(() => execute(sql, params, method)),
    async (queries) => {
      const runAll = () => queries.map((q) => execute(q.sql, q.params, q.method, true));
      if (holder && context.getStore() === holder) return runAll();
      const leave = await queue.acquire();
      try {
        execute("BEGIN IMMEDIATE", [], "run");
        try {
          const results = runAll();
          execute("COMMIT", [], "run");
          return results;
        } catch (error) {
          if (sqlite.isTransaction) execute("ROLLBACK", [], "run");
          throw error;
        }
      } finally {
        leave();
      }
    },
    { schema, casing: "snake_case" },
  ) as unknown as Database;

  // Raw reads answer objects, as they do through libSQL (the proxy would hand back arrays).
  const session = (db as unknown as { session: { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } }; all: unknown; get: unknown; extractRawAllValueFromBatchResult: unknown; extractRawGetValueFromBatchResult: unknown } })
    .session;
  const rawRows = (query: SQL, one: boolean) => {
    const { sql, params } = session.dialect.sqlToQuery(query);
    return inTurn(() => {
      try {
        const statement = preparedForObjects(sql);
        const args = bindable(params);
        return one ? statement.get(...args) : statement.all(...args);
      } catch (error) {
        throw named(error);
      }
    });
  };
  session.all = (query: SQL) => rawRows(query, false);
  session.get = (query: SQL) => rawRows(query, true);
  const asObject = (columns: string[], row: unknown[]) => Object.fromEntries(columns.map((name, i) => [name, row[i]]));
  session.extractRawAllValueFromBatchResult = (result: { rows: unknown[][]; columns: string[] }) => result.rows.map((row) => asObject(result.columns, row));
  session.extractRawGetValueFromBatchResult = (result: { rows: unknown[] | undefined; columns: string[] }) =>
    result.rows === undefined ? undefined : asObject(result.columns, result.rows);

  const begin = db.transaction.bind(db) as (fn: (tx: Transaction) => Promise<unknown>, config?: { behavior?: string }) => Promise<unknown>;
  db.transaction = (async (fn: (tx: Transaction) => Promise<unknown>) => {
    const outer = context.getStore();
    // A transaction opened inside the open one (through getDb() rather than the tx) nests as a savepoint.
    if (holder && outer === holder && holder.tx) return holder.tx.transaction(fn);
    transactionStarted();
    const leave = await queue.acquire();
    const mine: TransactionContext = {};
    holder = mine;
    try {
      // IMMEDIATE: the write lock is taken at BEGIN, where SQLite's busy timeout applies, and
      // never upgraded later (which another process's write would refuse at once).
      return await context.run(mine, () =>
        begin(
          (tx) => {
            mine.tx = tx;
            return fn(tx);
          },
          { behavior: "immediate" },
        ),
      );
    } finally {
      if (sqlite.isTransaction) {
        // BEGIN succeeded but neither COMMIT nor ROLLBACK did: do not leave the connection inside it.
        try {
          sqlite.exec("ROLLBACK");
        } catch {
          // Nothing more can be done on this connection here; the error that got us here is thrown.
        }
      }
      holder = undefined;
      leave();
      transactionEnded();
    }
  }) as Database["transaction"];

  let client: Client | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    client?.close();
    statements.clear();
    objectStatements.clear();
    if (sqlite.isOpen) sqlite.close();
  };
  return {
    get client() {
      if (!client) {
        const opened = createClient({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS, concurrency: 1 });
        const closeClient = opened.close.bind(opened);
        opened.close = () => {
          closeClient();
          close();
        };
        client = opened;
      }
      return client;
    },
    db,
    url,
    async migrate(folder) {
      // drizzle's migrator for callbacks: the pending statements run as one transaction, each with
      // exec() since a hand-written migration step may hold several statements (triggers).
      await migrateProxy(
        db as never,
        async (queries) => {
          await db.transaction(async () => {
            for (const query of queries) {
              try {
                sqlite.exec(query);
              } catch (error) {
                throw named(error);
              }
            }
          });
        },
        { migrationsFolder: folder },
      );
      statements.clear();
      objectStatements.clear();
    },
    close,
  };
}

// ---------------------------------------------------------------------------
// A libSQL server: @libsql/client.

function trackTransactions(client: Client): Client {
  const begin = client.transaction.bind(client);
  client.transaction = async (mode?: TransactionMode) => {
    transactionStarted();
    let tx: Awaited<ReturnType<Client["transaction"]>>;
    try {
      tx = await begin(mode);
    } catch (error) {
      transactionEnded();
      throw error;
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      transactionEnded();
    };
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    const close = tx.close.bind(tx);
    tx.commit = () => commit().finally(end);
    tx.rollback = () => rollback().finally(end);
    tx.close = () => {
      close();
      end();
    };
    return tx;
  };
  return client;
}

function openRemoteDatabase(url: string, authToken?: string): Connection {
  const client = trackTransactions(createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS, concurrency: POOL_SIZE }));
  const db = drizzle(client, { schema, casing: "snake_case" });
  return {
    client,
    db,
    url,
    migrate: (folder) => migrateRemote(db, { migrationsFolder: folder }),
    close: () => client.close(),
  };
}

/** Opens a connection: a file database (WAL mode, so several processes can share it) or a libSQL server. */
export async function openDatabase(url: string, authToken?: string): Promise<Connection> {
  return url.startsWith("file:") ? openFileDatabase(url) : openRemoteDatabase(url, authToken);
}

/** The process-wide connection, opened from the configuration on first use. */
export function connection(): Promise<Connection> {
  const state = processState();
  state.current ??= openDatabase(config().databaseUrl, config().DATABASE_AUTH_TOKEN).catch((error) => {
    state.current = undefined;
    throw error;
  });
  return state.current;
}

export async function getDb(): Promise<Database> {
  return (await connection()).db;
}

/** Replaces the process-wide connection (tests, CLIs given another database). */
export function useConnection(next: Connection): void {
  processState().current = Promise.resolve(next);
}

export async function closeDatabase(): Promise<void> {
  const state = processState();
  if (!state.current) return;
  const conn = await state.current;
  state.current = undefined;
  conn.close();
}

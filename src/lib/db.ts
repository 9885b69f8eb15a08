/**
 * One libSQL client per process. `file:` URLs give the embedded database;
 * `libsql://` or `http(s)://` URLs point the same code at a libSQL server.
 *
 * Domain functions reach the database one way: `getDb()` inside the function
 * (or the transaction they were handed). The process-wide state lives on
 * globalThis because `npm start` loads this module twice (the built server
 * bundles its own copy beside the one the background jobs import): both
 * copies must share one client and one count of open transactions.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { createClient, type Client, type TransactionMode } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "@db/schema";
import { config } from "@/config";

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;

/** Connections per client (libSQL's default, stated because each one needs its PRAGMAs). */
const POOL_SIZE = 20;

export type Database = ReturnType<typeof wrap>;

/** An open interactive transaction, as passed to `db.transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

function wrap(client: Client) {
  return drizzle(client, { schema, casing: "snake_case" });
}

export interface Connection {
  client: Client;
  db: Database;
  url: string;
}

/**
 * Interactive transactions open in this process (on a file database they
 * also queue one after the other, see createQueue). A plain write
 * on another pooled connection meanwhile would sit in SQLite's busy handler,
 * which blocks the event loop the open transaction needs in order to finish:
 * the process stalls for the busy timeout and the write fails. Background
 * jobs that run beside the web server await `transactionsSettled()` before
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

function trackTransactions(client: Client, serialise: boolean): Client {
  const begin = client.transaction.bind(client);
  const queue = createQueue();
  client.transaction = async (mode?: TransactionMode) => {
    processState().openTransactions += 1;
    const leave = serialise ? await queue.acquire() : () => {};
    let tx: Awaited<ReturnType<Client["transaction"]>>;
    try {
      tx = await begin(mode);
    } catch (error) {
      leave();
      transactionEnded();
      throw error;
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      leave();
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

/** Opens a connection; on a file database it also turns on WAL so several processes can share it. */
export async function openDatabase(url: string, authToken?: string): Promise<Connection> {
  if (url.startsWith("file:")) {
    mkdirSync(path.dirname(url.slice("file:".length)), { recursive: true });
  }
  // The busy timeout goes through the client options: a PRAGMA would reach only one pooled connection.
  const client = trackTransactions(createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS, concurrency: POOL_SIZE }), url.startsWith("file:"));
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    // `synchronous` is per connection; left at FULL, every commit on the other pooled connections
    // would fsync while blocking the event loop. Issued all at once, the statements borrow, and so
    // open, every connection of the pool.
    await Promise.all(Array.from({ length: POOL_SIZE }, () => client.execute("PRAGMA synchronous = NORMAL")));
  }
  return { client, db: wrap(client), url };
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
  const { client } = await state.current;
  state.current = undefined;
  client.close();
}

/**
 * One libSQL client per process. `file:` URLs give the embedded database;
 * `libsql://` or `http(s)://` URLs point the same code at a libSQL server.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "@db/schema";
import { config } from "@/config";

/** How long a writer waits for another process's lock before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

export type Database = ReturnType<typeof wrap>;

function wrap(client: Client) {
  return drizzle(client, { schema, casing: "snake_case" });
}

export interface Connection {
  client: Client;
  db: Database;
  url: string;
}

/** Opens a connection; on a file database it also turns on WAL so several processes can share it. */
export async function openDatabase(url: string, authToken?: string): Promise<Connection> {
  if (url.startsWith("file:")) {
    mkdirSync(path.dirname(url.slice("file:".length)), { recursive: true });
  }
  // The busy timeout goes through the client options: a PRAGMA would reach only one pooled connection.
  const client = createClient({ url, authToken, timeout: BUSY_TIMEOUT_MS });
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
  }
  return { client, db: wrap(client), url };
}

let current: Promise<Connection> | undefined;

/** The process-wide connection, opened from the configuration on first use. */
export function connection(): Promise<Connection> {
  current ??= openDatabase(config().databaseUrl, config().DATABASE_AUTH_TOKEN).catch((error) => {
    current = undefined;
    throw error;
  });
  return current;
}

export async function getDb(): Promise<Database> {
  return (await connection()).db;
}

/** Replaces the process-wide connection (tests, CLIs given another database). */
export function useConnection(next: Connection): void {
  current = Promise.resolve(next);
}

export async function closeDatabase(): Promise<void> {
  if (!current) return;
  const { client } = await current;
  current = undefined;
  client.close();
}

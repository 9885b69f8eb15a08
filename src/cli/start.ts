/**
 * `npm start` (run bundled from dist/cli/start.mjs by scripts/run.mjs, which
 * builds first when needed): migrates, syncs the course structures, seeds an
 * empty database, then serves the site and (unless WORKER=off) runs the
 * alert worker in the same process.
 */
import { existsSync } from "node:fs";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { config, ConfigError } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { securityHeaders } from "@/lib/http";
import { log, errorMessage, setLogLevel } from "@/lib/log";
import { withMicroCache } from "@/lib/microcache";
import { frontDoor } from "@/lib/front-door";
import { indexStaticFiles, withStaticFiles } from "@/lib/static-files";
import { prepareDatabase } from "@/seed/prepare";
import { ContentFileError } from "@/lib/content-files";
import { clientDir, serverEntry } from "./build-state";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let cfg;
try {
  cfg = config();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
setLogLevel(cfg.LOG_LEVEL);
// performance.now() counts from the start of the process: module loading included.
const elapsed = () => `${(performance.now() / 1000).toFixed(1)} s`;

if (!existsSync(serverEntry(cfg.root))) fail("Il sito non è compilato: avvialo con npm start, che lo compila, oppure esegui prima npm run build.");

let conn;
try {
  conn = await connection();
  const prepared = await prepareDatabase(conn, cfg.root, (m) => process.stderr.write(`  … ${m}\n`));
  if (prepared.seeded) process.stderr.write(`Dati dimostrativi caricati: ${prepared.summaries.join("; ")}\n`);
} catch (error) {
  // A malformed course file is an authoring error, not a database outage: say which file and field.
  if (error instanceof ContentFileError) fail(`Contenuti non validi: ${error.message}`);
  fail(`Database non disponibile (${cfg.databaseUrl.startsWith("file:") ? cfg.databaseUrl : "server libSQL"}): ${errorMessage(error)}`);
}

// The adapter runs in middleware mode: it never listens and never looks at the file system; this process owns the socket.
const { handler } = (await import(pathToFileURL(serverEntry(cfg.root)).href)) as {
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
};
const headers = securityHeaders();
// Body limits and broken URLs first, so nothing oversized is read and no cache entry is touched by a refused request;
// then the static files known since start-up (a Map lookup, no stat); everything else is Astro's.
const staticFiles = indexStaticFiles(clientDir(cfg.root));
const serve = frontDoor(withStaticFiles(withMicroCache(handler, { ttlMs: cfg.PAGE_CACHE_MS }), staticFiles), {
  trustedProxies: cfg.TRUST_PROXY,
});
const server = http.createServer((req, res) => {
  for (const [name, value] of headers) res.setHeader(name, value);
  serve(req, res);
});
server.keepAliveTimeout = 65_000;
server.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EADDRINUSE") fail(`La porta ${cfg.PORT} su ${cfg.HOST} è già in uso: imposta PORT con una porta libera.`);
  if (error.code === "EACCES") fail(`Permesso negato per la porta ${cfg.PORT}: usa una porta superiore a 1024.`);
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") fail(`HOST non valido: ${cfg.HOST} non è un indirizzo di questa macchina.`);
  fail(`Impossibile avviare il server: ${errorMessage(error)}`);
});
server.listen(cfg.PORT, cfg.HOST, () => {
  const mail = cfg.SMTP_URL ? `server SMTP ${new URL(cfg.SMTP_URL).host}` : `cartella ${cfg.outboxDir} (file .eml)`;
  process.stdout.write(`Aggrega è pronto su ${cfg.siteUrl} (in ascolto su ${cfg.HOST}:${cfg.PORT}, avvio in ${elapsed()})\nPosta in uscita: ${mail}\n`);
  log("info", "server.started", { host: cfg.HOST, port: cfg.PORT });
});

// The jobs (alert fan-out, mail, clean-ups) are loaded after the server is set up: start-up does not wait for them.
const jobs = cfg.WORKER === "on" ? await import("@/jobs").then(({ startBackgroundJobs }) => startBackgroundJobs()) : undefined;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log("info", "server.stopping", { signal });
  server.close();
  server.closeIdleConnections();
  await jobs?.stop();
  await closeDatabase();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

/**
 * `npm run catalog:import` as a person runs it: a real process on a real database file, files and a local
 * node:http server as the source. Bad flags, a missing or malformed file, a refused row, an address that is too
 * large, too slow or not http(s): a clear Italian message, a non-zero exit code, nothing changed.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { count, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conventions } from "@db/schema";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const FIXTURES = path.resolve(ROOT, "../shared/fixtures/procurement");
const ANAC = path.join(FIXTURES, "anac/anac_cig_sample.csv");
const DERIVED_ANAC = path.join(ROOT, "tests/fixtures/import/anac-cig-derived.csv");

let tdb: TestDatabase;
let server: http.Server;
let base: string;
let slowResponses: http.ServerResponse[] = [];

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/catalog-import.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const importedCount = async () => (await tdb.db.select({ n: count() }).from(conventions).where(isNotNull(conventions.sourceKey)))[0]!.n;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  const sample = await import("node:fs/promises").then((fs) => fs.readFile(ANAC));
  server = http.createServer((req, res) => {
    if (req.url === "/anac.csv") {
      res.writeHead(200, { "content-type": "text/csv" }).end(sample);
    } else if (req.url === "/grande.csv") {
      // Two megabytes, sent in chunks without a declared length: the limit is counted, not trusted.
      res.writeHead(200, { "content-type": "text/csv" });
      for (let i = 0; i < 32; i++) res.write(Buffer.alloc(64 * 1024, "a"));
      res.end();
    } else if (req.url === "/lento.csv") {
      res.writeHead(200, { "content-type": "text/csv" });
      res.write("cig;");
      slowResponses.push(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of slowResponses) res.destroy();
  slowResponses = [];
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await tdb.cleanup();
});

// Each run starts a process (a few seconds on a busy machine).
describe("catalog:import command", { timeout: 240_000 }, () => {
  it("imports a file with a one-line summary, reports the skipped rows on request, and a second run changes nothing", async () => {
    const first = await run(["--format", "anac-cig", ANAC, "--skipped"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^catalog:import: ANAC \(CC BY 4\.0\), codifica utf-8, separatore «,»: letti 20, creati 1, aggiornati 0, invariati 0, saltati 19, scartati 0 in \d+\.\d s\n$/);
    expect(first.stderr).toContain("Righe saltate (19):");
    expect(first.stderr).toContain("riga 21: CIG A006EB2A12: modalità di realizzazione «CONTRATTO D'APPALTO»");
    const second = await run(["--format", "anac-cig", ANAC]);
    expect(second.stdout).toContain("letti 20, creati 0, aggiornati 0, invariati 1, saltati 19, scartati 0");
    expect(await importedCount()).toBe(1);
  });

  it("refuses bad flags with the usage and exit code 2, changing nothing", async () => {
    const before = await importedCount();
    const cases: [string[], RegExp][] = [
      [[ANAC], /manca --format/],
      [["--format", "csv", ANAC], /--format deve essere uno tra: anac-cig, consip-bandi, ocds/],
      [["--format", "anac-cig", "--lenient", ANAC], /--lenient vale solo per --format ocds/],
      [["--format", "anac-cig", "--max-mb", "molti", ANAC], /--max-mb deve essere un numero positivo/],
      [["--format", "ocds", path.join(FIXTURES, "ocds-examples/ocds-213czf-000-00001.json")], /servono gli schemi ufficiali OCDS 1\.1\.5: indica la cartella con --schemas/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).toContain("Uso: npm run catalog:import");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await importedCount()).toBe(before);
  });

  it("a missing file, a malformed file and a file with a rejected row: a clear message, exit 1, nothing changed", async () => {
    const before = await importedCount();
    const missing = await run(["--format", "anac-cig", path.join(tdb.dir, "non-esiste.csv")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/il file .*non-esiste\.csv non esiste/);

    const notCsv = path.join(tdb.dir, "foto.csv");
    await writeFile(notCsv, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const malformed = await run(["--format", "anac-cig", notCsv]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/foto\.csv: non è un file CSV con intestazione.*; nessuna modifica/);

    const wrongFormat = await run(["--format", "consip-bandi", ANAC]);
    expect(wrongFormat.code).toBe(1);
    expect(wrongFormat.stderr).toMatch(/non è un file «bandi e gare» di Consip: mancano le colonne denominazione_bando, tipo_strumento; nessuna modifica/);

    const badRow = path.join(tdb.dir, "riga-errata.csv");
    const { readFile } = await import("node:fs/promises");
    await writeFile(badRow, (await readFile(DERIVED_ANAC, "utf8")).replaceAll("12500000.5", "dodici milioni"));
    const refused = await run(["--format", "anac-cig", badRow]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Righe scartate (1):\n  riga 2: CIG B1A2C3D4E5: importo_lotto «dodici milioni» non è un importo\n");
    expect(refused.stderr).toMatch(/nessuna modifica: una o più righe sono state scartate \(con --partial si importano le altre\)/);
    expect(await importedCount()).toBe(before);

    const partial = await run(["--format", "anac-cig", badRow, "--partial"]);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain("creati 2, aggiornati 0, invariati 0, saltati 2, scartati 1");
    // The convention; the other written row is the call-off, kept beside the catalog.
    expect(await importedCount()).toBe(before + 1);
  });

  it("reads http(s) addresses with a size limit and a timeout, and refuses other schemes", async () => {
    const fresh = await run(["--format", "anac-cig", `${base}/anac.csv`, "--dry-run"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain("invariati 1, saltati 19, scartati 0 – prova (--dry-run): nessuna modifica salvata");

    const large = await run(["--format", "anac-cig", `${base}/grande.csv`, "--max-mb", "1"]);
    expect(large.code).toBe(1);
    expect(large.stderr).toMatch(/grande\.csv è troppo grande \(oltre 1 MB\)/);

    const slow = await run(["--format", "anac-cig", `${base}/lento.csv`, "--timeout", "1"]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toMatch(/lento\.csv non ha risposto entro 1 s/);

    const absent = await run(["--format", "anac-cig", `${base}/nulla.csv`]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/nulla\.csv ha risposto 404/);

    const ftp = await run(["--format", "anac-cig", "ftp://127.0.0.1/anac.csv"]);
    expect(ftp.code).toBe(1);
    expect(ftp.stderr).toMatch(/si importano solo indirizzi http o https, non ftp/);
  });
});

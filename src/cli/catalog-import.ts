/**
 * `npm run catalog:import -- --format anac-cig|consip-bandi|ocds PATH_OR_URL [--dry-run] [--partial] [--lenient]`:
 * imports open data into the catalog (src/interop/import). Progress goes to
 * stderr, then the rejected rows with their line (or JSON Pointer) and reason,
 * and a one-line summary. Exit code 0 when the file was imported (or checked,
 * with --dry-run), 1 when nothing was written because of the file or the
 * rejected rows, 2 for bad flags.
 */
import { z } from "zod";
import { IMPORT_FORMATS } from "@db/schema";
import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, InputError, issueLines, MalformedFileError, readInput, runImport, SchemasMissingError, summaryLine } from "@/interop/import";
import { CliError, runCli, UsageError } from "./cli";

const USAGE = `Uso: npm run catalog:import -- --format anac-cig|consip-bandi|ocds <file o indirizzo http(s)> [opzioni]
  Importa nel catalogo gli open data di ANAC (CIG), di Consip (bandi e gare) o un pacchetto OCDS.
  Importare due volte lo stesso file non cambia nulla; una riga scartata annulla l'intero file, salvo --partial.
Opzioni:
  --dry-run          legge e controlla tutto, riporta cosa cambierebbe, non salva nulla
  --partial          importa le righe valide anche se altre sono scartate
  --lenient          (OCDS) importa le release valide di un pacchetto non valido e riporta le altre
  --schemas <dir>    (OCDS) cartella degli schemi ufficiali OCDS 1.1.5 (altrimenti OCDS_SCHEMAS_DIR)
  --max-mb <n>       dimensione massima del file in MB (predefinita ${DEFAULT_MAX_BYTES / 1024 / 1024})
  --timeout <s>      secondi di attesa massima per un indirizzo http(s) (predefiniti ${DEFAULT_TIMEOUT_MS / 1000})
  --skipped          elenca anche le righe saltate, con il motivo`;

const positiveNumber = (flag: string, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${flag} deve essere un numero positivo`)
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `${flag} deve essere compreso tra 0 e ${max}`)
    .optional();

const Flags = z.object({
  format: z.enum(IMPORT_FORMATS, { message: `--format deve essere uno tra: ${IMPORT_FORMATS.join(", ")}` }),
  "dry-run": z.boolean().default(false),
  partial: z.boolean().default(false),
  lenient: z.boolean().default(false),
  skipped: z.boolean().default(false),
  schemas: z.string().min(1, "--schemas non può essere vuoto").optional(),
  "max-mb": positiveNumber("--max-mb", 4096),
  timeout: positiveNumber("--timeout", 3600),
});

await runCli(
  "catalog:import",
  USAGE,
  {
    help: { type: "boolean", short: "h" },
    format: { type: "string" },
    "dry-run": { type: "boolean" },
    partial: { type: "boolean" },
    lenient: { type: "boolean" },
    skipped: { type: "boolean" },
    schemas: { type: "string" },
    "max-mb": { type: "string" },
    timeout: { type: "string" },
  },
  async ({ values, positionals, progress }) => {
    const started = performance.now();
    if (values.format === undefined) throw new UsageError(`manca --format (${IMPORT_FORMATS.join(", ")})`);
    const flags = Flags.safeParse(values);
    if (!flags.success) throw new UsageError(flags.error.issues.map((i) => i.message).join("; "));
    if (positionals.length === 0) throw new UsageError("indica il file o l'indirizzo http(s) da importare");
    if (positionals.length > 1) throw new UsageError(`si importa un file alla volta (ricevuti: ${positionals.join(" ")})`);
    if (flags.data.lenient && flags.data.format !== "ocds") throw new UsageError("--lenient vale solo per --format ocds");
    const f = flags.data;
    const location = positionals[0]!;
    const cfg = config();

    let bytes: Uint8Array;
    try {
      progress(`lettura di ${location}`);
      bytes = await readInput(location, { maxBytes: f["max-mb"] ? Math.round(f["max-mb"] * 1024 * 1024) : undefined, timeoutMs: f.timeout ? f.timeout * 1000 : undefined });
    } catch (error) {
      if (error instanceof InputError) throw new CliError(error.message);
      throw error;
    }
    const conn = await connection();
    try {
      await applyMigrations(conn, cfg.root);
      let last = 0;
      const result = await runImport(
        f.format,
        bytes,
        { dryRun: f["dry-run"], partial: f.partial, lenient: f.lenient, schemasDir: f.schemas },
        {
          actor: { id: null, label: "importazione da riga di comando" },
          startedAt: started,
          progress: (done, total) => {
            if (done === 0) {
              progress(`file letto: ${total} voci da scrivere`);
              return;
            }
            // A line every 2% (and at the end) on long files; short files say nothing until the summary.
            if (total < 200 && done < total) return;
            if (done === total || done - last >= Math.max(100, Math.floor(total / 50))) {
              last = done;
              progress(`${done} di ${total} voci scritte`);
            }
          },
        },
      );
      const out = process.stderr;
      if (result.rejected.length > 0) {
        out.write(`Righe scartate (${result.rejected.length}):\n${issueLines(result.rejected).map((l) => `  ${l}\n`).join("")}`);
      }
      if (f.skipped && result.skipped.length > 0) {
        out.write(`Righe saltate (${result.skipped.length}):\n${issueLines(result.skipped).map((l) => `  ${l}\n`).join("")}`);
      }
      const line = `${result.source.name} (${result.source.licence}), ${result.notes.join(", ")}: ${summaryLine(result)}`;
      if (result.refusal) throw new CliError(`${line} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return line;
    } catch (error) {
      if (error instanceof MalformedFileError) throw new CliError(`${location}: ${error.message}; nessuna modifica`);
      if (error instanceof SchemasMissingError) throw new UsageError(error.message);
      throw error;
    } finally {
      await closeDatabase();
    }
  },
  { positionals: true },
);

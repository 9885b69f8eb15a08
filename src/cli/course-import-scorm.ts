/**
 * `npm run course:import-scorm -- FILE.zip --hours N [--slug …] [--title …] [--summary …] [--audience …]`:
 * the same import as /gestione/formazione/scorm (checks, storage, publication as a course).
 */
import { readFile, stat } from "node:fs/promises";
import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { Refusal } from "@/lib/refusal";
import { DEFAULT_ZIP_LIMITS, importScormPackage, ScormUploadSchema } from "@/learning";
import { CliError, runCli, UsageError } from "./cli";

const USAGE = `Uso: npm run course:import-scorm -- <pacchetto.zip> --hours <ore> [--slug <indirizzo>] [--title "<titolo>"] [--summary "<descrizione>"] [--audience "<destinatari>"]
  Importa un pacchetto SCORM 1.2 o SCORM 2004 e lo pubblica come corso in /formazione/<indirizzo>.
  Con lo stesso --slug di un pacchetto già importato pubblica una nuova versione del corso.`;

const FLAG_OF: Record<string, string> = { hours: "--hours", slug: "--slug", title: "--title", summary: "--summary", audience: "--audience" };

await runCli(
  "course:import-scorm",
  USAGE,
  {
    help: { type: "boolean", short: "h" },
    hours: { type: "string" },
    slug: { type: "string" },
    title: { type: "string" },
    summary: { type: "string" },
    audience: { type: "string" },
  },
  async ({ values, positionals, progress }) => {
    if (positionals.length === 0) throw new UsageError("manca il file .zip del pacchetto");
    if (positionals.length > 1) throw new UsageError("indica un solo file .zip");
    const file = positionals[0]!;
    if (values.hours === undefined) throw new UsageError("manca --hours");
    const parsed = ScormUploadSchema.safeParse({ ...values, objectives: "" });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const flag = FLAG_OF[String(issue.path[0] ?? "")] ?? String(issue.path[0] ?? "");
      throw new UsageError(`${flag}: ${issue.message}`);
    }
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new CliError(`${file} non è un file`);
      size = info.size;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`non riesco a leggere ${file}: il file non esiste o non è leggibile`);
    }
    if (size > DEFAULT_ZIP_LIMITS.maxArchiveBytes) throw new CliError(`Pacchetto rifiutato: il file ZIP supera ${Math.round(DEFAULT_ZIP_LIMITS.maxArchiveBytes / 1024 / 1024)} MB.`);
    const bytes = await readFile(file);
    const conn = await connection();
    try {
      progress("applicazione delle migrazioni");
      await applyMigrations(conn, config().root);
      progress("controllo e importazione del pacchetto");
      const result = await importScormPackage(bytes, { ...parsed.data, objectives: [] }, { id: null, label: "riga di comando (course:import-scorm)" });
      return `importato il pacchetto SCORM ${result.version} come corso /formazione/${result.slug} (versione ${result.courseVersion}, ${result.lessons} attività, ${result.files} file)`;
    } catch (error) {
      if (error instanceof Refusal) throw new CliError(error.field === "slug" ? `--slug: ${error.message}` : error.message);
      throw error;
    } finally {
      await closeDatabase();
    }
  },
  { positionals: true },
);

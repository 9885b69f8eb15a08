import { config } from "@/config";
import { backupDatabase, BackupError, defaultBackupFile } from "@/lib/backup";
import { formatNumber } from "@/lib/format";
import { CliError, runCli } from "./cli";

await runCli(
  "db:backup",
  [
    "Uso: npm run db:backup [-- --out FILE]",
    "  Scrive una copia coerente del database indicato da DATABASE_URL, anche mentre il sito è in funzione.",
    "  --out FILE   file di destinazione (predefinito: data/backups/aggrega-<data e ora>.db); non deve esistere",
  ].join("\n"),
  { out: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
  async ({ values, progress }) => {
    const cfg = config();
    const out = typeof values.out === "string" && values.out.trim() !== "" ? values.out.trim() : defaultBackupFile(cfg.root);
    const source = cfg.databaseUrl.startsWith("file:") ? cfg.databaseUrl.slice("file:".length) : `server libSQL ${new URL(cfg.databaseUrl).host}`;
    progress(`copia di ${source}`);
    try {
      const result = await backupDatabase(cfg.databaseUrl, out, cfg.DATABASE_AUTH_TOKEN);
      const mb = (result.bytes / 1024 / 1024).toFixed(1).replace(".", ",");
      return `copia scritta in ${result.file} (${result.tables} tabelle, ${formatNumber(result.rows)} righe, ${mb} MB)`;
    } catch (error) {
      if (error instanceof BackupError) throw new CliError(error.message);
      throw error;
    }
  },
);

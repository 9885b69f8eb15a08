import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { runCli } from "./cli";

await runCli(
  "db:migrate",
  "Uso: npm run db:migrate\n  Applica al database indicato da DATABASE_URL le migrazioni non ancora applicate.",
  { help: { type: "boolean", short: "h" } },
  async ({ progress }) => {
    const cfg = config();
    progress(`database ${cfg.databaseUrl.startsWith("file:") ? cfg.databaseUrl : new URL(cfg.databaseUrl).host}`);
    const conn = await connection();
    await applyMigrations(conn, cfg.root);
    await closeDatabase();
    return "migrazioni applicate";
  },
);

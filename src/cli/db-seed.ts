import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";
import { runCli } from "./cli";

await runCli(
  "db:seed",
  "Uso: npm run db:seed\n  Applica le migrazioni e carica i dati dimostrativi di content/seed (le voci esistenti vengono aggiornate, non duplicate).",
  { help: { type: "boolean", short: "h" } },
  async ({ progress }) => {
    const cfg = config();
    const conn = await connection();
    progress("applicazione delle migrazioni");
    await applyMigrations(conn, cfg.root);
    const summaries = await seedDatabase(conn.db, { root: cfg.root, progress });
    await closeDatabase();
    return `caricati ${summaries.join("; ")}`;
  },
);

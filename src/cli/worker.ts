/**
 * `npm run worker`: runs the background jobs (alert fan-out and sending,
 * pending mail of other domains) without the web server, until SIGTERM or
 * SIGINT. Start as many as you like against one database; they share the
 * work through leases. Set WORKER=off on the web processes if every worker
 * should run apart.
 */
import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { log, setLogLevel } from "@/lib/log";
import { JOBS, startBackgroundJobs } from "@/jobs";
import { runCli } from "./cli";

await runCli(
  "worker",
  "Uso: npm run worker\n  Esegue i lavori in background (invio degli avvisi e della posta in attesa) finché non riceve SIGTERM o SIGINT.\n  Il database deve essere già migrato (npm run db:migrate o npm start).",
  { help: { type: "boolean", short: "h" } },
  async ({ progress }) => {
    const cfg = config();
    setLogLevel(cfg.LOG_LEVEL);
    await connection();
    const jobs = startBackgroundJobs(JOBS);
    progress(`lavori avviati: ${JOBS.map((j) => j.name).join(", ")}; posta verso ${cfg.SMTP_URL ? new URL(cfg.SMTP_URL).host : cfg.outboxDir}`);
    log("info", "worker.started", { jobs: JOBS.map((j) => j.name) });
    const signal = await new Promise<string>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    await jobs.stop();
    await closeDatabase();
    return `fermato (${signal})`;
  },
);

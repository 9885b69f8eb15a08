/**
 * The alert worker as a background job: `npm start` runs it beside the web
 * server (unless WORKER=off) and `npm run worker` runs it alone. Several
 * copies may run against one database.
 */
import { config } from "@/config";
import type { BackgroundJob } from "@/lib/job";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { createMailer, type Mailer } from "@/mail";
import { conventionMatchesQuery, parseCatalogQuery } from "@/catalog";
import { createExpiryWarnings, createLotWarnings, purgeUnconfirmed } from "./maintenance";
import { linkSecret } from "./secret";
import { createOutboxStore } from "./store";
import { AlertWorker, type SavedSearchMatcher } from "./worker";

/** How often expiry thresholds and stale subscriptions are checked; sending polls far more often. */
const MAINTENANCE_INTERVAL_MS = 10 * 60_000;

/** Saved searches are matched with the catalog's own query code, so an alert means "this would now be in your results". */
export const matchSavedSearch: SavedSearchMatcher = (query, conventionId) =>
  conventionMatchesQuery(parseCatalogQuery(new URLSearchParams(query)).query, conventionId);

export function alertsJob(): BackgroundJob {
  let worker: AlertWorker | undefined;
  let mailer: Mailer | undefined;
  let lastMaintenance = 0;
  return {
    name: "alerts",
    get intervalMs() {
      return config().ALERTS_POLL_MS;
    },
    async run(signal) {
      const cfg = config();
      const db = await getDb();
      if (!worker) {
        mailer = createMailer({
          smtpUrl: cfg.SMTP_URL,
          outboxDir: cfg.outboxDir,
          from: cfg.MAIL_FROM,
          messageIdDomain: new URL(cfg.siteUrl).hostname,
          pool: true,
          maxConnections: 5,
          timeoutMs: 30_000,
        });
        worker = new AlertWorker(
          { store: createOutboxStore(db), mailer, context: { siteUrl: cfg.siteUrl }, secret: () => linkSecret(db), matchSavedSearch },
          { batchSize: cfg.ALERTS_BATCH_SIZE, fanoutBatchSize: cfg.ALERTS_FANOUT_BATCH_SIZE, retryBaseMs: cfg.ALERTS_RETRY_BASE_MS },
        );
      }
      if (Date.now() - lastMaintenance >= MAINTENANCE_INTERVAL_MS) {
        lastMaintenance = Date.now();
        const purged = await purgeUnconfirmed(db);
        const warnings = (await createExpiryWarnings(db)) + (await createLotWarnings(db));
        if (purged > 0 || warnings > 0) log("info", "alerts.maintenance", { purged, warnings });
      }
      const pass = await worker.runPass(signal);
      if (pass.fannedOut > 0 || pass.sent > 0 || pass.failed > 0) log("info", "alerts.pass", { ...pass });
    },
    async close() {
      await mailer?.close();
      worker = undefined;
      mailer = undefined;
    },
  };
}

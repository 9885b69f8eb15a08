/**
 * `npm run identity:rotate-keys [-- --federation]`: retires the relying
 * party's signing and encryption keys and makes new ones. The retired keys
 * stay published, and usable to decrypt, for a day, so sign-ins in progress
 * end normally. With --federation the federation key is rotated as well:
 * the new one must then be registered with the trust anchor (see README).
 */
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { config } from "@/config";
import { rotateKeys } from "@/accounts";
import { runCli } from "./cli";

const USAGE = `Uso: npm run identity:rotate-keys [-- --federation]
  Sostituisce le chiavi di firma e di cifratura del portale per SPID e CIE; le precedenti
  restano pubblicate per 24 ore, così gli accessi in corso si concludono.
  --federation  sostituisce anche la chiave di federazione (da comunicare poi al trust anchor).`;

await runCli("identity:rotate-keys", USAGE, { help: { type: "boolean", short: "h" }, federation: { type: "boolean" } }, async ({ values, progress }) => {
  const conn = await connection();
  try {
    progress("applicazione delle migrazioni");
    await applyMigrations(conn, config().root);
    const rotated = await rotateKeys(values.federation ? ["federation", "sig", "enc"] : ["sig", "enc"]);
    const list = rotated.map((key) => `${key.use} ${key.kid}`).join(", ");
    return values.federation
      ? `nuove chiavi: ${list}; registra la nuova chiave di federazione presso il trust anchor prima di 24 ore`
      : `nuove chiavi: ${list}`;
  } finally {
    await closeDatabase();
  }
});

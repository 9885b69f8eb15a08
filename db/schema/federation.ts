import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Other Aggrega instances (or any OCDS publisher) this one follows: what the
 * last conditional GET of each peer's release package learnt, so the next
 * poll sends If-None-Match / If-Modified-Since and a 304 costs nothing.
 */
export const federationPeers = sqliteTable("federation_peers", {
  /** The peer's base URL as configured (no trailing slash). */
  url: text("url").primaryKey(),
  /** The publisher's name from the last package received (shown as the items' source). */
  name: text("name"),
  etag: text("etag"),
  lastModified: text("last_modified"),
  /** When the last poll ended, whatever its outcome. */
  checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
  /** When a package was last imported (a 200 that was read and written). */
  importedAt: integer("imported_at", { mode: "timestamp_ms" }),
  /** Why the last poll failed, in Italian; null after a success or a 304. */
  lastError: text("last_error"),
});

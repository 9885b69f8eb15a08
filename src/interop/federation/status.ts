/** What the back office shows of the followed peers (/gestione/federazione): configuration, last poll, items followed. */
import { sql } from "drizzle-orm";
import { federationPeers } from "@db/schema";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { peerKeyPrefix } from "./sync";

export interface PeerStatus {
  url: string;
  /** Still in FEDERATION_PEERS (a peer removed from it keeps its items until removed by hand). */
  configured: boolean;
  name: string | null;
  checkedAt: Date | null;
  importedAt: Date | null;
  lastError: string | null;
  conventions: number;
  planItems: number;
}

export async function federationStatus(): Promise<{ pollMinutes: number; peers: PeerStatus[] }> {
  const c = config();
  const db = await getDb();
  const rows = await db.select().from(federationPeers);
  const urls = [...c.FEDERATION_PEERS, ...rows.map((r) => r.url).filter((u) => !c.FEDERATION_PEERS.includes(u))];
  const peers: PeerStatus[] = [];
  for (const url of urls) {
    const row = rows.find((r) => r.url === url);
    const pattern = `${peerKeyPrefix(url).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const [counts] = await db.all<{ conventions: number; plan_items: number }>(sql`
      SELECT (SELECT count(*) FROM conventions WHERE source_key LIKE ${pattern} ESCAPE '\\') AS conventions,
             (SELECT count(*) FROM activity_plan_items WHERE source_key LIKE ${pattern} ESCAPE '\\') AS plan_items`);
    peers.push({
      url,
      configured: c.FEDERATION_PEERS.includes(url),
      name: row?.name ?? null,
      checkedAt: row?.checkedAt ?? null,
      importedAt: row?.importedAt ?? null,
      lastError: row?.lastError ?? null,
      conventions: Number(counts?.conventions ?? 0),
      planItems: Number(counts?.plan_items ?? 0),
    });
  }
  return { pollMinutes: Math.round(c.FEDERATION_POLL_MS / 60_000), peers };
}

/**
 * The relying party's keys, kept in the database: one active key per use
 * (federation: signs the entity configuration; sig: request objects and
 * client assertions; enc: the provider encrypts userinfo to it). They are
 * generated on first use; `npm run identity:rotate-keys` retires the active
 * keys and makes new ones. A retired key stays published, and usable to
 * decrypt, for RETIRED_KEY_GRACE_MS, longer than a sign-in may last and than
 * the entity configuration may be cached, so sign-ins in progress still end.
 */
import { randomUUID } from "node:crypto";
import { and, eq, isNull, lt, isNotNull } from "drizzle-orm";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { identityKeys, type IdentityKeyUse } from "@db/schema";
import { getDb } from "@/lib/db";

/** RS256 for signatures, RSA-OAEP-256 for encryption: the algorithms the SPID/CIE OIDC rules require every party to support. */
export const KEY_ALGORITHMS: Record<IdentityKeyUse, string> = { federation: "RS256", sig: "RS256", enc: "RSA-OAEP-256" };

/** How long a retired key stays published: a day, the lifetime of the entity configuration. */
export const RETIRED_KEY_GRACE_MS = 24 * 60 * 60 * 1000;

export interface StoredKey {
  kid: string;
  use: IdentityKeyUse;
  publicJwk: JWK;
  privateJwk: JWK;
  retiredAt: Date | null;
}

async function newKey(use: IdentityKeyUse): Promise<{ kid: string; use: IdentityKeyUse; privateJwk: string; publicJwk: string }> {
  const alg = KEY_ALGORITHMS[use];
  const { publicKey, privateKey } = await generateKeyPair(alg, { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const meta = { kid, alg, use: use === "enc" ? "enc" : "sig" };
  return {
    kid,
    use,
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }),
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
  };
}

function toStored(row: typeof identityKeys.$inferSelect): StoredKey {
  return { kid: row.kid, use: row.use, publicJwk: JSON.parse(row.publicJwk), privateJwk: JSON.parse(row.privateJwk), retiredAt: row.retiredAt };
}

/** Every key still published (active ones first), generating the missing active keys. */
export async function publishedKeys(now = new Date()): Promise<StoredKey[]> {
  const db = await getDb();
  let rows = await db.select().from(identityKeys);
  const missing = (["federation", "sig", "enc"] as const).filter((use) => !rows.some((row) => row.use === use && !row.retiredAt));
  if (missing.length > 0) {
    const fresh = await Promise.all(missing.map(newKey));
    // Inside one transaction, re-checked: two processes starting together keep one active key per use.
    await db.transaction(async (tx) => {
      for (const key of fresh) {
        const [active] = await tx
          .select({ kid: identityKeys.kid })
          .from(identityKeys)
          .where(and(eq(identityKeys.use, key.use), isNull(identityKeys.retiredAt)));
        if (!active) await tx.insert(identityKeys).values(key);
      }
    });
    rows = await db.select().from(identityKeys);
  }
  const cutoff = now.getTime() - RETIRED_KEY_GRACE_MS;
  return rows
    .filter((row) => !row.retiredAt || row.retiredAt.getTime() > cutoff)
    .sort((a, b) => Number(Boolean(a.retiredAt)) - Number(Boolean(b.retiredAt)) || (b.retiredAt?.getTime() ?? 0) - (a.retiredAt?.getTime() ?? 0))
    .map(toStored);
}

/** The public JWKS of one use, as published. */
export async function publicJwks(use: IdentityKeyUse | IdentityKeyUse[]): Promise<{ keys: JWK[] }> {
  const uses = Array.isArray(use) ? use : [use];
  return { keys: (await publishedKeys()).filter((key) => uses.includes(key.use)).map((key) => key.publicJwk) };
}

/** The active private key of one use, ready for jose. */
export async function activeKey(use: IdentityKeyUse): Promise<{ kid: string; alg: string; key: CryptoKey }> {
  const stored = (await publishedKeys()).find((key) => key.use === use && !key.retiredAt)!;
  return { kid: stored.kid, alg: KEY_ALGORITHMS[use], key: (await importJWK(stored.privateJwk, KEY_ALGORITHMS[use])) as CryptoKey };
}

/** The private decryption key with this kid, active or retired but still published. */
export async function decryptionKey(kid: string | undefined): Promise<CryptoKey | null> {
  const keys = (await publishedKeys()).filter((key) => key.use === "enc" && (kid === undefined || key.kid === kid));
  const stored = keys[0];
  return stored ? ((await importJWK(stored.privateJwk, KEY_ALGORITHMS.enc)) as CryptoKey) : null;
}

/**
 * Retires the active keys of the given uses and makes new ones; keys retired
 * longer ago than the grace period are deleted. Returns the new kids.
 */
export async function rotateKeys(uses: IdentityKeyUse[], now = new Date()): Promise<{ use: IdentityKeyUse; kid: string }[]> {
  await publishedKeys(now);
  const fresh = await Promise.all(uses.map(newKey));
  const db = await getDb();
  await db.transaction(async (tx) => {
    for (const key of fresh) {
      await tx.update(identityKeys).set({ retiredAt: now }).where(and(eq(identityKeys.use, key.use), isNull(identityKeys.retiredAt)));
      await tx.insert(identityKeys).values(key);
    }
    await tx.delete(identityKeys).where(and(isNotNull(identityKeys.retiredAt), lt(identityKeys.retiredAt, new Date(now.getTime() - RETIRED_KEY_GRACE_MS))));
  });
  return fresh.map((key) => ({ use: key.use, kid: key.kid }));
}

/**
 * Open Badges 3.0: each certificate is also an OpenBadgeCredential, a W3C
 * Verifiable Credential (data model 2.0) secured as a VC-JWT (Open Badges
 * 3.0, section 8.2): the JWT payload is the credential itself, with `iss`,
 * `jti` and `nbf` mirroring issuer, id and validFrom; the JOSE header names
 * the key (`kid`) and carries its public part (`jwk`).
 *
 * The signing key is an Ed25519 key pair (EdDSA), generated once and kept in
 * the `settings` table so every process signs with the same key. Its public
 * part is published in the issuer profile (/badges/v3/issuer.json, as a
 * JsonWebKey verification method) and as a JWK Set (/badges/v3/jwks.json):
 * whoever has fetched it once can verify any credential offline. Revocation
 * is not in the token (it cannot change after signing): the hosted Open
 * Badges 2.0 assertion and the verification page say whether a certificate
 * was revoked, and a revoked certificate's credential is no longer served.
 * @see https://www.imsglobal.org/spec/ob/v3p0/
 */
import { eq } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { settings } from "@db/schema";
import { config } from "@/config";
import { getDb, type Database } from "@/lib/db";
import { absoluteUrl } from "@/lib/http";
import { SITE_NAME, SITE_TAGLINE } from "@/lib/site";
import { verifyCertificate } from "./certificates";
import { currentVersion } from "./courses";

const SETTING_KEY = "badges.ob3_signing_key";
export const OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"] as const;
export const CREDENTIAL_ALG = "EdDSA";

const issuerV3Url = () => absoluteUrl("/badges/v3/issuer.json");
const credentialUrl = (code: string) => absoluteUrl(`/badges/v3/credentials/${code}.jwt`);

interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

const keys = new WeakMap<Database, Promise<SigningKey>>();

async function loadKey(db: Database): Promise<SigningKey> {
  const read = async () => (await db.select({ value: settings.value }).from(settings).where(eq(settings.key, SETTING_KEY)))[0]?.value;
  let stored = await read();
  if (!stored) {
    const { privateKey } = await generateKeyPair(CREDENTIAL_ALG, { crv: "Ed25519", extractable: true });
    // INSERT OR IGNORE then read back: two processes starting together end up with the same key.
    await db.insert(settings).values({ key: SETTING_KEY, value: JSON.stringify(await exportJWK(privateKey)) }).onConflictDoNothing();
    stored = await read();
    if (!stored) throw new Error("Open Badges signing key missing after insert");
  }
  const privateJwk = JSON.parse(stored) as JWK;
  const { d: _private, ...publicJwk } = privateJwk;
  const kid = `${issuerV3Url()}#${await calculateJwkThumbprint(publicJwk)}`;
  return { kid, privateJwk, publicJwk: { ...publicJwk, kid, alg: CREDENTIAL_ALG, use: "sig" } };
}

/** The signing key of this database, read (or generated) once per connection. */
async function key(): Promise<SigningKey> {
  const db = await getDb();
  let loaded = keys.get(db);
  if (!loaded) {
    loaded = loadKey(db).catch((error: unknown) => {
      keys.delete(db);
      throw error;
    });
    keys.set(db, loaded);
  }
  return loaded;
}

/** The public signing keys as a JWK Set. */
export async function credentialJwks() {
  return { keys: [(await key()).publicJwk] };
}

/** The Open Badges 3.0 issuer Profile, publishing the public key that signs the credentials. */
export async function issuerProfileV3() {
  const { kid, publicJwk } = await key();
  return {
    "@context": [...OB3_CONTEXT],
    id: issuerV3Url(),
    type: ["Profile"],
    name: SITE_NAME,
    description: SITE_TAGLINE,
    url: config().siteUrl,
    email: config().OFFICE_EMAIL,
    verificationMethod: [{ id: kid, type: "JsonWebKey", controller: issuerV3Url(), publicKeyJwk: publicJwk }],
  };
}

/** The credential (unsigned) of a valid certificate; null when the code is unknown or the certificate revoked. */
export async function openBadgeCredential(code: string) {
  const found = await verifyCertificate(code);
  if (found.status !== "valid") return null;
  const c = found.certificate;
  const version = await currentVersion(await getDb(), c.courseSlug);
  const passMark = version?.structure.passMark;
  return {
    "@context": [...OB3_CONTEXT],
    id: credentialUrl(c.code),
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    issuer: { id: issuerV3Url(), type: ["Profile"], name: SITE_NAME, url: config().siteUrl },
    validFrom: c.issuedAt.toISOString(),
    name: `Attestato – ${c.courseTitle}`,
    credentialSubject: {
      type: ["AchievementSubject"],
      identifier: [{ type: "IdentityObject", identityHash: c.recipientIdentity, identityType: "emailAddress", hashed: true, salt: c.recipientSalt }],
      achievement: {
        id: absoluteUrl(`/badges/classes/${c.courseSlug}.json`),
        type: ["Achievement"],
        achievementType: "Course",
        name: c.courseTitle,
        description: version?.structure.summary ?? c.courseTitle,
        criteria: {
          id: absoluteUrl(`/formazione/${c.courseSlug}`),
          narrative: passMark
            ? `Completare tutte le lezioni del corso e superare la verifica finale con almeno il ${passMark}% di risposte corrette.`
            : "Completare tutte le lezioni del corso e superare la verifica finale.",
        },
        image: { id: absoluteUrl(`/badges/images/${c.courseSlug}.svg`), type: "Image" },
        inLanguage: "it",
        creditsAvailable: c.hours,
      },
      result: [{ type: ["Result"], value: String(c.score) }],
    },
    evidence: [{ id: absoluteUrl(`/attestati/${c.code}`), type: ["Evidence"], name: "Pagina di verifica dell'attestato" }],
  };
}

/** The signed VC-JWT of a valid certificate; null when the code is unknown or the certificate revoked. */
export async function signedCredential(code: string): Promise<string | null> {
  const credential = await openBadgeCredential(code);
  if (!credential) return null;
  const { kid, privateJwk, publicJwk } = await key();
  const { kid: _kid, alg: _alg, use: _use, ...headerJwk } = publicJwk;
  return new SignJWT(credential)
    .setProtectedHeader({ alg: CREDENTIAL_ALG, typ: "JWT", kid, jwk: headerJwk })
    .setIssuer(credential.issuer.id)
    .setJti(credential.id)
    .setNotBefore(new Date(credential.validFrom))
    .sign(await importJWK(privateJwk, CREDENTIAL_ALG));
}

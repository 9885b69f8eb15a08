/**
 * Certificates: issued once per learner and course when the quiz is passed,
 * identified by an unguessable code, verifiable by anyone, revocable by admins.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, or, sql, type Column } from "drizzle-orm";
import { certificates, enrolments, userIdentities, users, type CourseStructure } from "@db/schema";
import { getDb, type Transaction } from "@/lib/db";
import { recordAudit, type Actor } from "@/lib/audit";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** 15 random bytes → 24 base32 characters (120 bits): not guessable, easy to type. */
export function newCertificateCode(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** The code in groups of four (ABCD-EFGH-…), for reading aloud and copying by hand; normaliseCode accepts it back. */
export function groupCode(code: string): string {
  return code.match(/.{1,4}/g)?.join("-") ?? code;
}

/** Accepts codes typed with spaces, dashes or lower case. Returns null when it cannot be a code. */
export function normaliseCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return /^[A-Z2-7]{20,40}$/.test(code) ? code : null;
}

export function recipientIdentity(email: string, salt: string): string {
  return `sha256$${createHash("sha256").update(email.trim().toLowerCase() + salt).digest("hex")}`;
}


/** Inserts the certificate (once per learner and course) and marks the enrolment completed. Returns its code. */
export async function issueCertificate(
  tx: Transaction,
  input: { userId: string; courseSlug: string; versionId: number; structure: CourseStructure; score: number },
): Promise<string> {
  const [existing] = await tx
    .select({ code: certificates.code })
    .from(certificates)
    .where(and(eq(certificates.userId, input.userId), eq(certificates.courseSlug, input.courseSlug)));
  if (existing) return existing.code;
  // A name verified by SPID/CIE wins over the one typed in the profile.
  const [user] = await tx
    .select({ name: users.name, email: users.email, organisation: users.organisation, givenName: userIdentities.givenName, familyName: userIdentities.familyName })
    .from(users)
    .leftJoin(userIdentities, eq(userIdentities.userId, users.id))
    .where(eq(users.id, input.userId));
  if (!user) throw new Error("certificate for a missing user");
  const holderName = user.givenName && user.familyName ? `${user.givenName} ${user.familyName}` : user.name;
  const salt = randomBytes(16).toString("hex");
  const code = newCertificateCode();
  await tx.insert(certificates).values({
    code,
    userId: input.userId,
    holderName,
    holderOrganisation: user.organisation.trim(),
    courseSlug: input.courseSlug,
    courseTitle: input.structure.title,
    courseVersionId: input.versionId,
    hours: input.structure.hours,
    score: input.score,
    recipientSalt: salt,
    recipientIdentity: recipientIdentity(user.email, salt),
  });
  await tx
    .update(enrolments)
    .set({ completedAt: new Date() })
    .where(and(eq(enrolments.userId, input.userId), eq(enrolments.courseSlug, input.courseSlug)));
  return code;
}

export type Certificate = typeof certificates.$inferSelect;

export type Verification =
  | { status: "unknown"; code: string | null }
  | { status: "valid" | "revoked"; code: string; certificate: Certificate };

/** Looks a code up for the public verification page, the PDF and the badge. */
export async function verifyCertificate(input: string): Promise<Verification> {
  const db = await getDb();
  const code = normaliseCode(input);
  if (!code) return { status: "unknown", code: null };
  const [certificate] = await db.select().from(certificates).where(eq(certificates.code, code));
  if (!certificate) return { status: "unknown", code };
  return { status: certificate.revokedAt ? "revoked" : "valid", code, certificate };
}

export type RevokeResult = "revoked" | "already-revoked" | "unknown";

/** Revokes a certificate and records who did it and why. */
export async function revokeCertificate(actor: Actor, input: string, reason: string): Promise<RevokeResult> {
  const db = await getDb();
  const code = normaliseCode(input);
  if (!code) return "unknown";
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: certificates.id, revokedAt: certificates.revokedAt }).from(certificates).where(eq(certificates.code, code));
    if (!row) return "unknown";
    if (row.revokedAt) return "already-revoked";
    await tx.update(certificates).set({ revokedAt: new Date(), revokedReason: reason }).where(eq(certificates.id, row.id));
    await recordAudit(tx, actor, "certificate.revoke", { type: "certificate", id: code }, { reason });
    return "revoked";
  });
}

/** Certificates for the back office, newest first, optionally filtered by code, name or course. */
export async function listCertificates(query = ""): Promise<Certificate[]> {
  const db = await getDb();
  const q = query.trim().toLowerCase();
  const contains = (column: Column) => sql`instr(lower(${column}), ${q}) > 0`;
  return db
    .select()
    .from(certificates)
    .where(q ? or(contains(certificates.code), contains(certificates.holderName), contains(certificates.courseTitle)) : undefined)
    .orderBy(desc(certificates.issuedAt), desc(certificates.id))
    .limit(200);
}

/**
 * Open Badges 2.0 with hosted verification: the issuer Profile, one
 * BadgeClass per course and one Assertion per certificate, each at a stable
 * URL on this site.
 * @see https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
 */
import { absoluteUrl } from "@/lib/http";
import { config } from "@/config";
import { SITE_NAME, SITE_TAGLINE } from "@/lib/site";
import { getDb } from "@/lib/db";
import { currentVersion } from "./courses";
import { verifyCertificate } from "./certificates";

const CONTEXT = "https://w3id.org/openbadges/v2";

const issuerUrl = () => absoluteUrl("/badges/issuer.json");
const badgeClassUrl = (courseSlug: string) => absoluteUrl(`/badges/classes/${courseSlug}.json`);
const assertionUrl = (code: string) => absoluteUrl(`/badges/assertions/${code}.json`);
const badgeImageUrl = (courseSlug: string) => absoluteUrl(`/badges/images/${courseSlug}.svg`);

export function issuerProfile() {
  return {
    "@context": CONTEXT,
    type: "Profile",
    id: issuerUrl(),
    name: SITE_NAME,
    description: SITE_TAGLINE,
    url: config().siteUrl,
    email: config().OFFICE_EMAIL,
  };
}

/** The BadgeClass of a course; null when the course is unknown. */
export async function badgeClass(courseSlug: string) {
  const db = await getDb();
  const version = await currentVersion(db, courseSlug);
  if (!version) return null;
  const { structure } = version;
  return {
    "@context": CONTEXT,
    type: "BadgeClass",
    id: badgeClassUrl(courseSlug),
    name: structure.title,
    description: structure.summary,
    image: badgeImageUrl(courseSlug),
    criteria: {
      id: absoluteUrl(`/formazione/${courseSlug}`),
      narrative: `Completare tutte le lezioni del corso e superare la verifica finale con almeno il ${structure.passMark}% di risposte corrette.`,
    },
    issuer: issuerUrl(),
    tags: ["appalti pubblici", "soggetti aggregatori", "formazione"],
  };
}

/** The hosted Assertion of a certificate; a revoked one says so. Null when the code is unknown. */
export async function badgeAssertion(code: string) {
  const found = await verifyCertificate(code);
  if (found.status === "unknown") return null;
  const c = found.certificate;
  return {
    "@context": CONTEXT,
    type: "Assertion",
    id: assertionUrl(c.code),
    recipient: { type: "email", hashed: true, salt: c.recipientSalt, identity: c.recipientIdentity },
    badge: badgeClassUrl(c.courseSlug),
    verification: { type: "hosted" },
    issuedOn: c.issuedAt.toISOString(),
    evidence: absoluteUrl(`/attestati/${c.code}`),
    ...(c.revokedAt ? { revoked: true, revocationReason: c.revokedReason ?? "Attestato revocato" } : {}),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A simple badge picture with the course title, for badge backpacks. */
export async function badgeImage(courseSlug: string): Promise<string | null> {
  const db = await getDb();
  const version = await currentVersion(db, courseSlug);
  if (!version) return null;
  const words = version.structure.title.split(/\s+/);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.at(-1);
    if (last !== undefined && (last + " " + word).length <= 22) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  const text = lines
    .slice(0, 5)
    .map((line, i) => `<text x="200" y="${170 + i * 26}" text-anchor="middle" font-family="sans-serif" font-size="20" fill="#fff">${escapeXml(line)}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" role="img" aria-label="${escapeXml(version.structure.title)}"><circle cx="200" cy="200" r="190" fill="#0066cc"/><circle cx="200" cy="200" r="170" fill="none" stroke="#fff" stroke-width="4"/><text x="200" y="120" text-anchor="middle" font-family="sans-serif" font-size="26" font-weight="bold" fill="#fff">${escapeXml(SITE_NAME)}</text>${text}</svg>`;
}

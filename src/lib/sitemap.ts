/** The public pages a search engine should know: every section, catalog entry, press item, course and lesson. */
import { eq } from "drizzle-orm";
import { aggregators, conventions, jointInitiatives, pressReleases } from "@db/schema";
import { getDb } from "@/lib/db";
import { currentVersions, lessonsOf } from "@/learning/courses";
import { LEGAL_NAV, MAIN_NAV, SITE_MAP } from "@/lib/site";

export const ROBOTS_DISALLOW = ["/gestione", "/account", "/accedi", "/registrati", "/password-dimenticata", "/reimposta-password", "/esci", "/avvisi/conferma", "/avvisi/preferenze", "/avvisi/disiscrizione", "/formazione/promemoria", "/allegati/"];

function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export async function sitemapPaths(): Promise<string[]> {
  const db = await getDb();
  const [convs, inits, aggs, press, courses] = await Promise.all([
    db.select({ slug: conventions.slug }).from(conventions),
    db.select({ slug: jointInitiatives.slug }).from(jointInitiatives),
    db.select({ id: aggregators.id }).from(aggregators),
    db.select({ slug: pressReleases.slug }).from(pressReleases).where(eq(pressReleases.status, "published")),
    currentVersions(db),
  ]);
  const paths = new Set<string>(["/", ...MAIN_NAV.map((i) => i.href), ...SITE_MAP.map((i) => i.href), ...LEGAL_NAV.map((i) => i.href), "/dati", "/convenzioni/confronto", "/accessibilita/segnala"]);
  for (const c of convs) paths.add(`/convenzioni/${c.slug}`);
  for (const i of inits) paths.add(`/iniziative-congiunte/${i.slug}`);
  for (const a of aggs) paths.add(`/soggetti-aggregatori/${a.id}`);
  for (const p of press) paths.add(`/sala-stampa/${p.slug}`);
  for (const v of courses) {
    paths.add(`/formazione/${v.courseSlug}`);
    // The items of a SCORM course open in the player, for enrolled learners only: not for search engines.
    if (!v.structure.scorm) for (const lesson of lessonsOf(v.structure)) paths.add(`/formazione/${v.courseSlug}/${lesson.slug}`);
  }
  return [...paths];
}

/** sitemap.xml (sitemaps.org 0.9) with absolute addresses. */
export function sitemapXml(siteUrl: string, paths: string[]): string {
  const urls = paths.map((p) => `  <url><loc>${escapeXml(new URL(p, `${siteUrl}/`).toString())}</loc></url>`).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`;
}

export function robotsTxt(siteUrl: string): string {
  return `User-agent: *\n${ROBOTS_DISALLOW.map((p) => `Disallow: ${p}`).join("\n")}\n\nSitemap: ${siteUrl}/sitemap.xml\n`;
}

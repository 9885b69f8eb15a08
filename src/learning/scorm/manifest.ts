/**
 * imsmanifest.xml → what Aggrega needs of a SCORM package: its version, its
 * title and the launchable items of its default organization, in order,
 * grouped by their top-level aggregations (the course's modules). Parsed
 * with fast-xml-parser after its validator; a DOCTYPE is refused outright
 * (no entity expansion at all).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ScormItem, ScormVersion } from "@db/schema";
import { Refusal } from "@/lib/refusal";

export interface ParsedManifest {
  version: ScormVersion;
  identifier: string;
  title: string;
  description: string;
  modules: { slug: string; title: string; items: ScormItem[] }[];
}

const refuse = (message: string) => new Refusal(`Manifesto non valido: ${message}`, "pacchetto");

type Node = Record<string, unknown>;

const ARRAYS = new Set(["organization", "item", "resource", "file", "dependency", "string", "langstring"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

function asNode(value: unknown): Node | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Node) : undefined;
}

function list(value: unknown): Node[] {
  if (value === undefined || value === null || value === "") return [];
  return (Array.isArray(value) ? value : [value]).map((v) => asNode(v) ?? { "#text": String(v) });
}

/** The text of an element: a plain string, or its #text when it has attributes. */
function text(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (Array.isArray(value)) return text(value[0]);
  const node = asNode(value);
  if (node && typeof node["#text"] === "string") return node["#text"].trim();
  return "";
}

/** Attribute by local name, ignoring case (SCORM 1.2 writes scormtype, 2004 scormType). */
function attr(node: Node, name: string): string {
  const wanted = `@${name.toLowerCase()}`;
  for (const [key, value] of Object.entries(node)) if (key.toLowerCase() === wanted) return String(value).trim();
  return "";
}

function child(node: Node, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(node)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** "1.2" or "2004" from metadata/schemaversion, else from the adlcp namespace; null when neither says. */
export function detectVersion(schemaVersion: string, xml: string): ScormVersion | "unsupported" | null {
  const v = schemaVersion.trim().toLowerCase();
  if (v) {
    if (v === "1.2") return "1.2";
    if (/^(cam 1\.3|2004( (2nd|3rd|4th) edition)?)$/.test(v)) return "2004";
    return "unsupported";
  }
  if (xml.includes("adlcp_rootv1p2")) return "1.2";
  if (xml.includes("adlcp_v1p3")) return "2004";
  return null;
}

/** Lower-case slug from an identifier or title ("playing_par_item" → "playing-par-item"). */
export function slugify(value: string): string {
  return value
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

/** Joins xml:base values and an href the way the content packaging spec does (each base ends with "/"). */
function joinBase(...parts: string[]): string {
  return parts.filter(Boolean).join("");
}

function withParameters(href: string, parameters: string): string {
  if (!parameters) return href;
  if (parameters.startsWith("#")) return href + parameters;
  const query = parameters.replace(/^[?&]/, "");
  return href.includes("?") ? `${href}&${query}` : `${href}?${query}`;
}

/** The path part of a launch address, decoded: what must exist in the package. */
export function launchFilePath(launch: string): string {
  const path = launch.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Parses and checks the manifest. `files` is the set of paths in the package,
 * to check that every launch page is there.
 */
export function parseManifest(xml: string, files: Set<string>): ParsedManifest {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw refuse("imsmanifest.xml contiene una dichiarazione DOCTYPE o ENTITY, che non è ammessa.");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw refuse(`imsmanifest.xml non è XML ben formato (riga ${valid.err.line}: ${valid.err.msg}).`);
  const doc = parser.parse(xml) as Node;
  const manifest = asNode(doc.manifest);
  if (!manifest) throw refuse("imsmanifest.xml non ha l'elemento radice <manifest>.");
  const metadata = asNode(manifest.metadata) ?? {};
  const version = detectVersion(text(metadata.schemaversion), xml);
  if (version === "unsupported") throw refuse(`la versione «${text(metadata.schemaversion)}» non è supportata: Aggrega accetta SCORM 1.2 e SCORM 2004.`);
  if (version === null) throw refuse("non indica la versione SCORM (manca <schemaversion> in <metadata>): Aggrega accetta SCORM 1.2 e SCORM 2004.");

  const organizationsNode = asNode(manifest.organizations);
  const organizations = list(organizationsNode?.organization);
  if (organizations.length === 0) throw refuse("non contiene nessuna <organization>: il pacchetto non ha un percorso da seguire.");
  const defaultId = organizationsNode ? attr(organizationsNode, "default") : "";
  const organization = organizations.find((o) => attr(o, "identifier") === defaultId) ?? organizations[0]!;

  const resourcesNode = asNode(manifest.resources) ?? {};
  const resourcesBase = attr(resourcesNode, "base");
  const resources = new Map(list(resourcesNode.resource).map((r) => [attr(r, "identifier"), r]));

  const usedSlugs = new Set<string>(["verifica"]);
  const uniqueSlug = (wanted: string, fallback: string) => {
    const base = slugify(wanted) || fallback;
    let candidate = base;
    for (let n = 2; usedSlugs.has(candidate); n++) candidate = `${base}-${n}`;
    usedSlugs.add(candidate);
    return candidate;
  };

  let count = 0;
  const toItem = (node: Node): ScormItem | null => {
    const ref = attr(node, "identifierref");
    if (!ref) return null;
    const identifier = attr(node, "identifier");
    const title = text(node.title) || identifier;
    const resource = resources.get(ref);
    if (!resource) throw refuse(`l'elemento «${title}» rimanda alla risorsa «${ref}», che non esiste.`);
    const href = attr(resource, "href");
    if (!href) throw refuse(`la risorsa «${ref}» non indica la pagina da avviare (href).`);
    const launch = withParameters(joinBase(resourcesBase, attr(resource, "base"), href), attr(node, "parameters"));
    if (/^[a-z][a-z0-9+.-]*:/i.test(launch) || launch.startsWith("//")) {
      throw refuse(`la risorsa «${ref}» si apre da un indirizzo esterno (${launch}): il pacchetto deve contenere le proprie pagine.`);
    }
    const file = launchFilePath(launch);
    if (!files.has(file)) throw refuse(`la pagina «${file}» della risorsa «${ref}» non è nel pacchetto.`);
    const kind = attr(resource, "scormtype").toLowerCase() === "sco" ? "sco" : "asset";
    count += 1;
    const mastery = Number.parseFloat(text(child(node, "masteryscore")));
    const sequencing = asNode(child(node, "sequencing"));
    const primary = asNode(asNode(sequencing && child(sequencing, "objectives"))?.primaryObjective);
    const minMeasure = primary && attr(primary, "satisfiedByMeasure") === "true" ? Number.parseFloat(text(child(primary, "minNormalizedMeasure"))) : Number.NaN;
    const thresholdNode = child(node, "completionThreshold");
    const threshold = Number.parseFloat(asNode(thresholdNode) ? attr(asNode(thresholdNode)!, "minProgressMeasure") || text(thresholdNode) : text(thresholdNode));
    return {
      identifier,
      slug: uniqueSlug(identifier.replace(/[_-]?(item|sco)$/i, "") || title, `lezione-${count}`),
      title,
      launch,
      kind,
      masteryScore: Number.isFinite(mastery) ? Math.max(0, Math.min(100, mastery)) : Number.isFinite(minMeasure) ? Math.round(Math.max(-1, Math.min(1, minMeasure)) * 100) : null,
      launchData: text(child(node, "datafromlms")),
      completionThreshold: Number.isFinite(threshold) ? Math.max(0, Math.min(1, threshold)) : null,
    };
  };
  const flatten = (node: Node): ScormItem[] => {
    const own = toItem(node);
    return [...(own ? [own] : []), ...list(node.item).flatMap(flatten)];
  };

  const orgTitle = text(organization.title) || text(metadata.title) || attr(manifest, "identifier");
  const modules: ParsedManifest["modules"] = [];
  let loose: ScormItem[] = [];
  const flushLoose = () => {
    if (loose.length) modules.push({ slug: uniqueSlug(`modulo-${modules.length + 1}`, "modulo"), title: modules.length ? `${orgTitle} (${modules.length + 1})` : orgTitle, items: loose });
    loose = [];
  };
  for (const top of list(organization.item)) {
    const children = list(top.item);
    if (children.length === 0 || attr(top, "identifierref")) {
      loose.push(...flatten(top));
      continue;
    }
    flushLoose();
    const title = text(top.title) || attr(top, "identifier");
    modules.push({ slug: uniqueSlug(`modulo-${attr(top, "identifier") || title}`, "modulo"), title, items: children.flatMap(flatten) });
  }
  flushLoose();
  const nonEmpty = modules.filter((m) => m.items.length > 0);
  if (nonEmpty.length === 0) throw refuse("l'organizzazione non contiene nessun elemento da avviare.");
  const identifier = attr(manifest, "identifier");
  if (!identifier) throw refuse("l'elemento <manifest> non ha l'attributo identifier.");
  return { version, identifier, title: orgTitle, description: "", modules: nonEmpty };
}

/**
 * The only place that reads the environment. It is parsed once, with zod, and
 * an invalid value stops the process with one line that names the variable.
 */
import path from "node:path";
import { z } from "zod";

const libsqlUrl = z
  .string()
  .trim()
  .refine((value) => /^(file:.+|libsql:\/\/.+|https?:\/\/.+|wss?:\/\/.+)$/.test(value), {
    message: "deve essere un URL libSQL: file:percorso/del.db, libsql://host, http(s)://host:porta",
  });

const port = z.coerce
  .number({ message: "deve essere un numero di porta" })
  .int("deve essere un numero intero")
  .min(1, "deve essere compreso tra 1 e 65535")
  .max(65535, "deve essere compreso tra 1 e 65535");

const httpUrl = z.url({ protocol: /^https?$/, message: "deve essere un URL http(s) completo, ad esempio http://localhost:4321" });

/** A comma-separated list of http(s) entity identifiers (trust anchors, authority hints). */
const entityIdList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const ids = value.split(",").map((item) => item.trim().replace(/\/+$/, "")).filter(Boolean);
    for (const id of ids) {
      if (!/^https?:\/\/[^\s|,]+$/.test(id) || !URL.canParse(id)) {
        ctx.addIssue({ code: "custom", message: `deve essere un elenco di URL http(s) separati da virgole (non è un URL: ${JSON.stringify(id)})` });
        return z.NEVER;
      }
    }
    return ids;
  });

/** Identity providers for a sign-in button: `entityId` or `entityId|Name`, separated by commas. */
const providerList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const providers: { entityId: string; name: string | null }[] = [];
    for (const item of value.split(",").map((part) => part.trim()).filter(Boolean)) {
      const [rawId, ...rest] = item.split("|");
      const entityId = rawId!.trim().replace(/\/+$/, "");
      const name = rest.join("|").trim();
      if (!/^https?:\/\/\S+$/.test(entityId) || !URL.canParse(entityId)) {
        ctx.addIssue({ code: "custom", message: `deve essere un elenco separato da virgole di URL http(s), ciascuno seguito facoltativamente da |Nome (non è un URL: ${JSON.stringify(entityId)})` });
        return z.NEVER;
      }
      providers.push({ entityId, name: name || null });
    }
    return providers;
  });

/** Trust marks the trust anchors issued to the site (compact JWTs, comma-separated), published in its entity configuration. */
const trustMarkList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const marks: { id: string; trust_mark: string; sub: string }[] = [];
    for (const jwt of value.split(",").map((part) => part.trim()).filter(Boolean)) {
      let payload: Record<string, unknown> | null = null;
      try {
        const parts = jwt.split(".");
        if (parts.length === 3) payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
      } catch {
        payload = null;
      }
      const id = payload?.trust_mark_type ?? payload?.id;
      if (!payload || typeof id !== "string" || typeof payload.sub !== "string") {
        ctx.addIssue({ code: "custom", message: "deve essere un elenco separato da virgole di trust mark (JWT firmati dal trust anchor, con id e sub)" });
        return z.NEVER;
      }
      marks.push({ id, trust_mark: jwt, sub: payload.sub });
    }
    return marks;
  });

/** Why a followed peer's address is not usable (in Italian), or null: an http(s) base URL without credentials, query or fragment. */
export function peerUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "non è un indirizzo web completo (ad esempio https://aggrega.regione.it)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "non inizia con http:// o https://";
  if (url.username || url.password) return "contiene credenziali, che non vanno scritte nell'indirizzo";
  if (url.search || url.hash) return "contiene parametri o un frammento (? o #): indica solo l'indirizzo di base del portale";
  return null;
}

const EnvSchema = z.object({
  DATABASE_URL: libsqlUrl.default("file:data/aggrega.db"),
  DATABASE_AUTH_TOKEN: z.string().trim().min(1).optional(),
  PORT: port.default(4321),
  HOST: z.string().trim().min(1, "non può essere vuoto").default("127.0.0.1"),
  SITE_URL: httpUrl.optional(),
  SMTP_URL: z
    .string()
    .trim()
    .refine((value) => /^smtps?:\/\/.+/.test(value), { message: "deve iniziare con smtp:// o smtps://" })
    .optional(),
  MAIL_FROM: z.string().trim().min(3).default("Aggrega <noreply@aggrega.localhost>"),
  MAIL_OUTBOX_DIR: z.string().trim().min(1).default("data/outbox"),
  UPLOADS_DIR: z.string().trim().min(1).default("data/uploads"),
  /** Secret for signed links (preference centre, unsubscribe). When unset, one is generated once and kept in the database, so every process shares it. */
  APP_SECRET: z.string().min(32, "deve contenere almeno 32 caratteri").optional(),
  /** Who receives accessibility reports and similar internal notices. */
  OFFICE_EMAIL: z.email({ message: "deve essere un indirizzo email" }).default("ufficio.stampa@aggrega.localhost"),
  /** The body that runs the portal: data controller in the privacy notice, owner in the footer. Unset: honest example values, shown as such. */
  OPERATOR_NAME: z.string().trim().min(3, "deve contenere almeno 3 caratteri").max(200, "deve contenere al massimo 200 caratteri").optional(),
  OPERATOR_ADDRESS: z.string().trim().min(3, "deve contenere almeno 3 caratteri").max(300, "deve contenere al massimo 300 caratteri").optional(),
  OPERATOR_EMAIL: z.email({ message: "deve essere un indirizzo email" }).optional(),
  OPERATOR_PEC: z.email({ message: "deve essere un indirizzo email" }).optional(),
  OPERATOR_PHONE: z.string().trim().regex(/^\+?[0-9 ./-]{6,20}$/, "deve essere un numero di telefono, ad esempio +39 06 1234 5678").optional(),
  /** Contact of the data protection officer (RPD/DPO). */
  DPO_EMAIL: z.email({ message: "deve essere un indirizzo email" }).optional(),
  /** Days request logs are kept by the operator's infrastructure (stated in the privacy notice). */
  LOG_RETENTION_DAYS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1, "deve essere almeno 1").max(3650, "deve essere al massimo 3650").default(90),
  /** `off` keeps `npm start` from running the alert worker in the web process. */
  WORKER: z.enum(["on", "off"], { message: "deve essere on oppure off" }).default("on"),
  /** How many reverse proxies sit in front of the server: 0 (default) uses the socket's peer as the client address, N > 0 the Nth entry from the right of X-Forwarded-For. */
  TRUST_PROXY: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(0, "non può essere negativo").max(10, "deve essere al massimo 10").default(0),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Milliseconds an anonymous visitor's HTML page is reused by the same process (src/lib/microcache.ts); 0 turns it off. */
  PAGE_CACHE_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(0, "non può essere negativo").max(60_000, "deve essere al massimo 60000").default(1000),
  /** How long a transactional send waits for a silent SMTP server before failing (and being retried later). */
  SMTP_TIMEOUT_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(100, "deve essere almeno 100").max(300_000, "deve essere al massimo 300000").default(10_000),
  /** Alert worker: milliseconds between passes when there is nothing to do. */
  ALERTS_POLL_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(50, "deve essere almeno 50").max(3_600_000, "deve essere al massimo 3600000").default(5000),
  /** Alert worker: deliveries claimed per sending batch. */
  ALERTS_BATCH_SIZE: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1, "deve essere almeno 1").max(5000, "deve essere al massimo 5000").default(500),
  /** Alert worker: subscribers matched per fan-out transaction. */
  ALERTS_FANOUT_BATCH_SIZE: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1, "deve essere almeno 1").max(10_000, "deve essere al massimo 10000").default(1000),
  /** Alert worker: first retry delay after a temporary failure, doubled on each attempt. */
  /**
   * Prefix of every OCDS ocid this instance publishes. Register one with the Open Contracting Partnership
   * (form ocds-abc123); until then the default, UNREGISTERED_OCDS_PREFIX, marks the data as unregistered.
   */
  OCDS_PREFIX: z
    .string()
    .trim()
    .regex(/^ocds-[a-z0-9]{6}$/, "deve essere un prefisso OCDS registrato, nella forma ocds- seguita da 6 lettere minuscole o cifre (ad esempio ocds-abc123)")
    .optional(),
  /** Folder holding the official OCDS 1.1.5 schemas and codelists (release-schema.json, codelists/…), needed to import OCDS packages. */
  OCDS_SCHEMAS_DIR: z.string().trim().min(1, "non può essere vuoto").optional(),
  /** Requests per minute one client address may make to the read API (/api/v1). */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1, "deve essere almeno 1").max(100_000, "deve essere al massimo 100000").default(300),
  /** SPID/CIE (OpenID Connect Federation): the trust anchors a provider's trust chain must end at; unset turns SPID and CIE sign-in off. */
  IDENTITY_TRUST_ANCHORS: entityIdList.optional(),
  /** The superiors named in the site's entity configuration; by default the trust anchors. */
  IDENTITY_AUTHORITY_HINTS: entityIdList.optional(),
  /** Trust marks issued to the site at onboarding, published in its entity configuration. */
  IDENTITY_TRUST_MARKS: trustMarkList.optional(),
  /** SPID identity providers listed under «Entra con SPID». */
  SPID_PROVIDERS: providerList.optional(),
  /** The CIE identity provider behind «Entra con CIE». */
  CIE_PROVIDER: providerList.optional(),
  /** Level of assurance requested from SPID providers. */
  SPID_ACR: z.enum(["SpidL1", "SpidL2", "SpidL3"], { message: "deve essere SpidL1, SpidL2 oppure SpidL3" }).default("SpidL2"),
  /** Level of assurance requested from the CIE provider (sent as the same acr URIs as SPID, as the SPID/CIE OIDC rules define). */
  CIE_ACR: z.enum(["CieL1", "CieL2", "CieL3"], { message: "deve essere CieL1, CieL2 oppure CieL3" }).default("CieL2"),
  /**
   * Other Aggrega instances (or OCDS publishers) whose plans and conventions this one follows: their base URLs,
   * separated by commas (src/interop/federation). Empty: no peer is followed.
   */
  FEDERATION_PEERS: z
    .string()
    .transform((value, ctx) => {
      const peers: string[] = [];
      for (const raw of value.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
        const problem = peerUrlProblem(raw);
        if (problem) {
          ctx.addIssue({ code: "custom", message: `contiene «${raw}», che ${problem}; separa gli indirizzi con una virgola` });
          return z.NEVER;
        }
        const url = raw.replace(/\/+$/, "");
        if (!peers.includes(url)) peers.push(url);
      }
      return peers;
    })
    .default([]),
  /** Milliseconds between two polls of the peers (each peer's package is fetched with a conditional GET). */
  FEDERATION_POLL_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1000, "deve essere almeno 1000").max(86_400_000, "deve essere al massimo 86400000").default(900_000),
  /** Largest package accepted from a peer, in bytes. */
  FEDERATION_MAX_BYTES: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(1024, "deve essere almeno 1024").max(1_073_741_824, "deve essere al massimo 1073741824").default(52_428_800),
  /** How long one request to a peer may take, in milliseconds, before the poll gives up and retries next time. */
  FEDERATION_TIMEOUT_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(100, "deve essere almeno 100").max(600_000, "deve essere al massimo 600000").default(30_000),
  ALERTS_RETRY_BASE_MS: z.coerce.number({ message: "deve essere un numero" }).int("deve essere un numero intero").min(10, "deve essere almeno 10").max(86_400_000, "deve essere al massimo 86400000").default(60_000),
});

export type Config = z.infer<typeof EnvSchema> & {
  /** Project root: `file:` database paths and folders are resolved against it. */
  root: string;
  siteUrl: string;
  databaseUrl: string;
  outboxDir: string;
  uploadsDir: string;
  isLocalSite: boolean;
  /** OCDS_PREFIX, or UNREGISTERED_OCDS_PREFIX when it is not set. */
  ocdsPrefix: string;
  ocdsPrefixRegistered: boolean;
  /** SPID/CIE sign-in; null when IDENTITY_TRUST_ANCHORS is not set. */
  identity: IdentityConfig | null;
};

export interface IdentityProviderConfig {
  entityId: string;
  name: string | null;
}

export interface IdentityConfig {
  trustAnchors: string[];
  authorityHints: string[];
  spidProviders: IdentityProviderConfig[];
  /** Trust marks of the site, as published in `trust_marks`. */
  trustMarks: { id: string; trust_mark: string }[];
  cieProvider: IdentityProviderConfig | null;
  /** The acr values requested from SPID providers and from the CIE provider: both are the SpidL1–3 URIs of the SPID/CIE OIDC rules. */
  spidAcr: string;
  cieAcr: string;
}

/** The levels of assurance as acr values; the SPID/CIE OIDC technical rules use these URIs for CIE id as well. */
export const SPID_ACR_VALUES = { SpidL1: "https://www.spid.gov.it/SpidL1", SpidL2: "https://www.spid.gov.it/SpidL2", SpidL3: "https://www.spid.gov.it/SpidL3" } as const;

/** The ocid prefix used when OCDS_PREFIX is not set: clearly not one the Open Contracting Partnership assigned. */
export const UNREGISTERED_OCDS_PREFIX = "ocds-nonregistrato";

/** Who runs the portal, as shown in the footer and the privacy notice; `example` is true while the operator has not set it. */
export interface Operator {
  name: string;
  address: string;
  email: string;
  pec: string | null;
  phone: string | null;
  dpoEmail: string;
  logRetentionDays: number;
  example: boolean;
}

export function operatorOf(c: Config): Operator {
  const example = !c.OPERATOR_NAME;
  return {
    name: c.OPERATOR_NAME ?? "Ente gestore del portale (esempio)",
    address: c.OPERATOR_ADDRESS ?? "Via dell'Esempio 1, 00100 Roma (indirizzo di esempio)",
    email: c.OPERATOR_EMAIL ?? c.OFFICE_EMAIL,
    pec: c.OPERATOR_PEC ?? null,
    phone: c.OPERATOR_PHONE ?? null,
    dpoEmail: c.DPO_EMAIL ?? "rpd@aggrega.localhost",
    logRetentionDays: c.LOG_RETENTION_DAYS,
    example,
  };
}

export class ConfigError extends Error {}

/** Parses an environment-like record; throws ConfigError with a one-line message. */
export function parseConfig(env: Record<string, string | undefined>, root = process.cwd()): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "ambiente");
    throw new ConfigError(`Configurazione non valida: ${name} ${issue.message} (valore ricevuto: ${JSON.stringify(env[name] ?? "")}).`);
  }
  const parsed = result.data;
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.join(root, p));
  const databaseUrl = parsed.DATABASE_URL.startsWith("file:")
    ? `file:${resolve(parsed.DATABASE_URL.slice("file:".length))}`
    : parsed.DATABASE_URL;
  const siteUrl = (parsed.SITE_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, "");
  const host = new URL(siteUrl).hostname;
  const trustAnchors = parsed.IDENTITY_TRUST_ANCHORS ?? [];
  if (trustAnchors.length === 0 && (parsed.SPID_PROVIDERS?.length || parsed.CIE_PROVIDER?.length)) {
    throw new ConfigError("Configurazione non valida: SPID_PROVIDERS e CIE_PROVIDER richiedono IDENTITY_TRUST_ANCHORS (l'elenco dei trust anchor della federazione SPID/CIE).");
  }
  if ((parsed.CIE_PROVIDER?.length ?? 0) > 1) {
    throw new ConfigError(`Configurazione non valida: CIE_PROVIDER deve indicare un solo provider (valore ricevuto: ${JSON.stringify(env.CIE_PROVIDER ?? "")}).`);
  }
  const trustMarks = parsed.IDENTITY_TRUST_MARKS ?? [];
  const foreign = trustMarks.find((mark) => mark.sub.replace(/\/+$/, "") !== siteUrl);
  if (foreign) {
    throw new ConfigError(`Configurazione non valida: IDENTITY_TRUST_MARKS contiene un trust mark rilasciato a ${foreign.sub}, non a SITE_URL (${siteUrl}).`);
  }
  const identity: IdentityConfig | null =
    trustAnchors.length === 0
      ? null
      : {
          trustAnchors,
          authorityHints: parsed.IDENTITY_AUTHORITY_HINTS ?? trustAnchors,
          spidProviders: parsed.SPID_PROVIDERS ?? [],
          trustMarks: trustMarks.map(({ id, trust_mark }) => ({ id, trust_mark })),
          cieProvider: parsed.CIE_PROVIDER?.[0] ?? null,
          spidAcr: SPID_ACR_VALUES[parsed.SPID_ACR],
          cieAcr: SPID_ACR_VALUES[`SpidL${parsed.CIE_ACR.slice(-1)}` as keyof typeof SPID_ACR_VALUES],
        };
  return {
    ...parsed,
    root,
    siteUrl,
    databaseUrl,
    outboxDir: resolve(parsed.MAIL_OUTBOX_DIR),
    uploadsDir: resolve(parsed.UPLOADS_DIR),
    isLocalSite: host === "localhost" || host === "127.0.0.1" || host === "[::1]",
    ocdsPrefix: parsed.OCDS_PREFIX ?? UNREGISTERED_OCDS_PREFIX,
    ocdsPrefixRegistered: parsed.OCDS_PREFIX !== undefined,
    identity,
  };
}

let cached: Config | undefined;

/** The process configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** For tests and CLIs that point one process at another database or folder. */
export function overrideConfig(env: Record<string, string | undefined>, root?: string): Config {
  cached = parseConfig({ ...process.env, ...env }, root);
  return cached;
}

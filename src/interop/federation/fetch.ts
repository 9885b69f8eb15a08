/**
 * One conditional GET of a peer's OCDS release package: If-None-Match and
 * If-Modified-Since from the last answer, a deadline for the whole exchange
 * and a ceiling on the bytes read (the body is streamed and cut off, never
 * buffered whole before the check).
 */

export class PeerFetchError extends Error {
  override name = "PeerFetchError";
}

export type PeerAnswer =
  | { status: "not-modified" }
  | { status: "ok"; bytes: Uint8Array; etag: string | null; lastModified: string | null };

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  etag?: string | null;
  lastModified?: string | null;
}

/** Where a peer publishes its release package: the base URL's /dati/ocds/releases.json, or the URL itself when it names a .json file. */
export function packageUrl(peer: string): string {
  return /\.json$/i.test(new URL(peer).pathname) ? peer : `${peer.replace(/\/+$/, "")}/dati/ocds/releases.json`;
}

export async function fetchPeerPackage(peer: string, limits: FetchLimits): Promise<PeerAnswer> {
  const url = packageUrl(peer);
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "Aggrega-federation" };
  if (limits.etag) headers["If-None-Match"] = limits.etag;
  if (limits.lastModified) headers["If-Modified-Since"] = limits.lastModified;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: "follow" });
  } catch (error) {
    throw new PeerFetchError(signal.aborted ? `${url} non ha risposto entro ${limits.timeoutMs} ms` : `${url} non è raggiungibile (${causeOf(error)})`);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: "not-modified" };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new PeerFetchError(`${url} ha risposto ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
  }
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body?.cancel();
    throw new PeerFetchError(`${url} invia ${declared} byte, più del limite di ${limits.maxBytes} byte (FEDERATION_MAX_BYTES)`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new PeerFetchError(`${url} invia più del limite di ${limits.maxBytes} byte (FEDERATION_MAX_BYTES)`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof PeerFetchError) throw error;
    throw new PeerFetchError(signal.aborted ? `${url} non ha finito di inviare il pacchetto entro ${limits.timeoutMs} ms` : `lettura da ${url} interrotta (${causeOf(error)})`);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { status: "ok", bytes, etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified") };
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

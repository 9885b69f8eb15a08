/**
 * The bytes of the file to import: a local path, or an http(s) address read
 * with a size limit and a timeout (other schemes are refused). Every failure is
 * an InputError with an Italian message naming the file or address.
 */
import { stat, readFile } from "node:fs/promises";

export class InputError extends Error {
  override name = "InputError";
}

/** Largest file read from disk or from the network unless told otherwise. */
export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface InputOptions {
  maxBytes?: number;
  timeoutMs?: number;
}

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

export async function readInput(location: string, options: InputOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return readUrl(location, maxBytes, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let info;
  try {
    info = await stat(location);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? `il file ${location} non esiste` : code === "EACCES" ? `il file ${location} non si può leggere (permessi)` : `il file ${location} non si può leggere (${code ?? "errore"})`);
  }
  if (!info.isFile()) throw new InputError(`${location} non è un file`);
  if (info.size > maxBytes) throw new InputError(`il file ${location} è troppo grande (${mb(info.size)}, al massimo ${mb(maxBytes)})`);
  if (info.size === 0) throw new InputError(`il file ${location} è vuoto`);
  return readFile(location);
}

async function readUrl(location: string, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new InputError(`«${location}» non è un indirizzo valido`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError(`si importano solo indirizzi http o https, non ${url.protocol.replace(":", "")}`);
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = () => new InputError(`${url.href} non ha risposto entro ${Math.round(timeoutMs / 1000)} s`);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: "follow", headers: { accept: "text/csv, application/json, */*" } });
  } catch (error) {
    if (signal.aborted) throw timedOut();
    throw new InputError(`${url.href} non è raggiungibile (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new InputError(`${url.href} ha risposto ${response.status} ${response.statusText}`.trim());
  }
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new InputError(`${url.href} è troppo grande (${mb(declared)}, al massimo ${mb(maxBytes)})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new InputError(`${url.href} è troppo grande (oltre ${mb(maxBytes)})`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (signal.aborted) throw timedOut();
    throw new InputError(`lettura di ${url.href} interrotta (${error instanceof Error ? error.message : String(error)})`);
  }
  if (size === 0) throw new InputError(`${url.href} ha risposto con un file vuoto`);
  return Buffer.concat(chunks);
}

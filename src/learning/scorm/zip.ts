/**
 * Reading an uploaded SCORM package with yauzl: every entry is checked from
 * the central directory before a byte of it is inflated (names, type, count,
 * declared sizes and ratio), and the bytes really produced while inflating
 * are counted against the same limits, so a header that lies stops the
 * import as soon as the real content goes past it. Nothing is written
 * anywhere: the caller gets the files in memory, or a Refusal.
 */
import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { Refusal } from "@/lib/refusal";

export interface ZipLimits {
  /** Largest uploaded .zip. */
  maxArchiveBytes: number;
  /** Largest sum of the files once extracted. */
  maxTotalBytes: number;
  /** Largest single file once extracted. */
  maxFileBytes: number;
  /** Most entries (files and folders) in the archive. */
  maxEntries: number;
  /** Highest uncompressed ÷ compressed ratio of an entry larger than RATIO_FLOOR_BYTES. */
  maxRatio: number;
}

const MB = 1024 * 1024;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxArchiveBytes: 50 * MB,
  maxTotalBytes: 200 * MB,
  maxFileBytes: 50 * MB,
  maxEntries: 5000,
  maxRatio: 100,
};

/** Small files compress very well (a page of spaces); the ratio is checked only above this size. */
const RATIO_FLOOR_BYTES = MB;

const field = "pacchetto";
const refuse = (message: string) => new Refusal(`Pacchetto rifiutato: ${message}`, field);
const megabytes = (bytes: number) => (bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / 1024)} KB`);

export interface ZipFileEntry {
  path: string;
  bytes: Buffer;
}

/** A file name safe to serve: relative, forward slashes, no "." or ".." segments, no control characters. */
export function safeEntryPath(name: string): string | null {
  if (name.includes("\\") || name.startsWith("/") || /^[a-zA-Z]:/.test(name)) return null;
  if (/[\u0000-\u001f\u007f]/.test(name)) return null;
  const segments = name.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return null;
  if (segments.slice(0, -1).some((s) => s === "")) return null;
  return name;
}

function open(buffer: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) =>
      error || !zip ? reject(error) : resolve(zip),
    );
  });
}

/** yauzl's own checks on names and structure, told in Italian. */
function refusalFor(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = message.replace(/^[^:]*:\s*/, "");
  if (/^invalid characters in fileName/.test(message)) return refuse(`il percorso «${name}» contiene una barra rovesciata (\\): i percorsi dei file devono usare solo «/».`);
  if (/^absolute path/.test(message)) return refuse(`il percorso «${name}» è assoluto: i file devono stare dentro il pacchetto.`);
  if (/^invalid relative path/.test(message)) return refuse(`il percorso «${name}» esce dal pacchetto con «..».`);
  if (/too (many|few) bytes|expected .*bytes|uncompressed size/i.test(message)) return refuse("un file contiene più (o meno) byte di quanti ne dichiara l'archivio: il file ZIP è stato alterato.");
  if (/encrypt/i.test(message)) return refuse("contiene file cifrati con password, che non si possono leggere.");
  if (/compression method/i.test(message)) return refuse("usa un metodo di compressione non supportato (sono ammessi solo «store» e «deflate»).");
  return refuse("il file non è un archivio ZIP valido o è danneggiato.");
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

function openStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error) : resolve(stream))));
}

/** Inflates one entry, counting the real bytes; stops as soon as a limit is passed. */
async function inflate(zip: ZipFile, entry: Entry, path: string, limits: ZipLimits, totalSoFar: number): Promise<Buffer> {
  const stream = await openStream(zip, entry);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxFileBytes) throw refuse(`il file «${path}» supera ${megabytes(limits.maxFileBytes)} una volta estratto.`);
      if (totalSoFar + size > limits.maxTotalBytes) throw refuse(`i file estratti supererebbero ${megabytes(limits.maxTotalBytes)} in tutto.`);
      if (entry.compressedSize > 0 && size > RATIO_FLOOR_BYTES && size / entry.compressedSize > limits.maxRatio) {
        throw refuse(`il file «${path}» si espande più di ${limits.maxRatio} volte: sembra una «bomba ZIP».`);
      }
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/**
 * Reads every file of the archive, or throws a Refusal naming the first
 * problem. Folders are left out (they are implied by the paths).
 */
export async function readZip(buffer: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipFileEntry[]> {
  if (buffer.length === 0) throw refuse("il file è vuoto.");
  if (buffer.length > limits.maxArchiveBytes) throw refuse(`il file ZIP supera ${megabytes(limits.maxArchiveBytes)}.`);
  let zip: ZipFile;
  try {
    zip = await open(buffer);
  } catch (error) {
    throw refusalFor(error);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw refuse(`contiene ${zip.entryCount} elementi, più dei ${limits.maxEntries} ammessi.`);
    // First pass: the central directory only, nothing inflated.
    const entries: { entry: Entry; path: string }[] = [];
    const seen = new Set<string>();
    let declaredTotal = 0;
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const name = entry.fileName;
      const path = safeEntryPath(name);
      if (path === null) throw refuse(`il percorso «${name}» non è sicuro (esce dal pacchetto o contiene caratteri non ammessi).`);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) throw refuse(`«${name}» è un collegamento simbolico: il pacchetto può contenere solo file e cartelle.`);
      if (name.endsWith("/")) continue;
      if (mode !== 0 && mode !== S_IFREG) throw refuse(`«${name}» non è un file ordinario.`);
      if (entry.isEncrypted()) throw refuse("contiene file cifrati con password, che non si possono leggere.");
      const key = path.toLowerCase();
      if (seen.has(key)) throw refuse(`il file «${path}» compare due volte.`);
      seen.add(key);
      if (entry.uncompressedSize > limits.maxFileBytes) throw refuse(`il file «${path}» supera ${megabytes(limits.maxFileBytes)} una volta estratto.`);
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxTotalBytes) throw refuse(`i file estratti supererebbero ${megabytes(limits.maxTotalBytes)} in tutto.`);
      if (entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
        throw refuse(`il file «${path}» si espande più di ${limits.maxRatio} volte: sembra una «bomba ZIP».`);
      }
      entries.push({ entry, path });
    }
    // Second pass: inflate, counting what really comes out.
    const files: ZipFileEntry[] = [];
    let total = 0;
    for (const { entry, path } of entries) {
      const bytes = await inflate(zip, entry, path, limits, total);
      total += bytes.length;
      files.push({ path, bytes });
    }
    return files;
  } catch (error) {
    throw refusalFor(error);
  } finally {
    zip.close();
  }
}

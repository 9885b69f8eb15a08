/**
 * Uploaded files (press attachments, catalog documents). The type is read from the file's first
 * bytes, never from the name or the browser's claim; the file is stored
 * under a random name in the uploads folder, and the name given by the
 * uploader is kept only for display and the download's file name.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { config } from "@/config";

/** Largest accepted attachment. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Files accepted in one submission. */
export const MAX_ATTACHMENTS_PER_FORM = 5;

const SIGNATURES: { mime: string; ext: string; label: string; magic: number[] }[] = [
  { mime: "application/pdf", ext: "pdf", label: "PDF", magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { mime: "image/png", ext: "png", label: "PNG", magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mime: "image/jpeg", ext: "jpg", label: "JPEG", magic: [0xff, 0xd8, 0xff] },
];

/** The file's real type from its magic bytes, or null when it is not a PDF, PNG or JPEG. */
export function sniffType(bytes: Uint8Array): { mime: string; ext: string; label: string } | null {
  const match = SIGNATURES.find((s) => s.magic.every((byte, i) => bytes[i] === byte));
  return match ? { mime: match.mime, ext: match.ext, label: match.label } : null;
}

/** Attachment ids are 32 hex characters; nothing else ever reaches the file system. */
const ID_SHAPE = /^[0-9a-f]{32}$/;

export function isAttachmentId(value: string): boolean {
  return ID_SHAPE.test(value);
}

export function newAttachmentId(): string {
  return randomBytes(16).toString("hex");
}

function storedPath(id: string): string {
  if (!isAttachmentId(id)) throw new Error("invalid attachment id");
  return path.join(config().uploadsDir, id);
}

/** Writes the bytes under the id (write then rename, so a reader never sees half a file); returns the SHA-256. */
export async function storeFile(id: string, bytes: Uint8Array): Promise<string> {
  const target = storedPath(id);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(`${target}.tmp`, bytes);
  await rename(`${target}.tmp`, target);
  return createHash("sha256").update(bytes).digest("hex");
}

export function readStoredFile(id: string): Promise<Buffer> {
  return readFile(storedPath(id));
}

export async function removeStoredFile(id: string): Promise<void> {
  await rm(storedPath(id), { force: true });
}

/**
 * A file name safe for display and for Content-Disposition: no path, no
 * control characters, no quotes, the right extension, at most 120 characters.
 */
export function cleanFileName(original: string, ext: string): string {
  const base = original.split(/[\\/]/).pop() ?? "";
  const stem = base
    .replace(/\.[^.]*$/, "")
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f"'`<>:*?|%;\\]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 110);
  return `${stem || "allegato"}.${ext}`;
}

/** Content-Disposition for a download, with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** The response of a stored file's download (press attachment, convention document), or a plain-text 404. */
export function storedFileResponse(
  found: { bytes: Uint8Array; row: { mimeType: string; originalName: string; sha256: string } } | null | undefined,
  { notFound, cacheControl }: { notFound: string; cacheControl: string },
): Response {
  if (!found) return new Response(notFound, { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(new Uint8Array(found.bytes), {
    headers: {
      "Content-Type": found.row.mimeType,
      "Content-Length": String(found.bytes.length),
      "Content-Disposition": contentDisposition(found.row.originalName),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": cacheControl,
      ETag: `"${found.row.sha256}"`,
    },
  });
}

/** Refuses request bodies too large to be a legitimate form before they are read into memory. */

/** Five attachments at the cap plus the text fields. */
export const MAX_FORM_BYTES = 52 * 1024 * 1024;

/** A 413 response when Content-Length is over the limit; undefined otherwise. */
export function tooLargeForUpload(request: Request, limit = MAX_FORM_BYTES): Response | undefined {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (!Number.isFinite(length) || length <= limit) return undefined;
  return new Response(`Il modulo inviato è troppo grande (massimo ${Math.round(limit / 1024 / 1024)} MB in tutto).`, {
    status: 413,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

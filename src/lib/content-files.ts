/**
 * Reads YAML seed and content files through a zod schema. A bad file fails
 * with its path and the offending field, never with a stack trace.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import type { z } from "zod";

export class ContentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentFileError";
  }
}

/** "voce 3 › lotti › voce 1 › regione" from a zod issue path. */
export function describePath(issuePath: PropertyKey[]): string {
  return issuePath.map((part) => (typeof part === "number" ? `voce ${part + 1}` : String(part))).join(" › ");
}

export async function loadYaml<S extends z.ZodType>(file: string, schema: S, root = process.cwd()): Promise<z.infer<S>> {
  const relative = path.relative(root, file);
  let raw: unknown;
  try {
    raw = parse(await readFile(file, "utf8"));
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new ContentFileError(`${relative}: file non trovato`);
    throw new ContentFileError(`${relative}: YAML non valido (${err.message.split("\n")[0]})`);
  }
  return validate(relative, raw, schema);
}

export function validate<S extends z.ZodType>(label: string, value: unknown, schema: S): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = describePath(issue.path);
    throw new ContentFileError(`${label}: ${where ? `campo «${where}»: ` : ""}${issue.message}`);
  }
  return result.data;
}

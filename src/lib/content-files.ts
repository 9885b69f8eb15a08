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

/**
 * An issue's message in Italian. Zod's own type messages are in English and
 * name types; say instead that the value is missing or of the wrong kind.
 * `input` is the value that was validated, to tell missing from wrong.
 */
export function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== "invalid_type" && issue.code !== "invalid_value") return issue.message;
  const value = issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key], input);
  if (value === undefined) return "è obbligatorio";
  if (issue.code === "invalid_value") return issue.message;
  return issue.expected === "number" ? "deve essere un numero" : "non è valido";
}

export function validate<S extends z.ZodType>(label: string, value: unknown, schema: S): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = describePath(issue.path);
    throw new ContentFileError(`${label}: ${where ? `campo «${where}»: ` : ""}${issueMessage(issue, value)}`);
  }
  return result.data;
}

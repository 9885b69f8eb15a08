/** Structured logs: one JSON object per line on stdout, no personal data beyond ids. */
import { config } from "@/config";
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold: Level | "silent" | undefined;

export function setLogLevel(level: Level | "silent"): void {
  threshold = level;
}

/**
 * The built server bundles its own copy of this module, so `setLogLevel` in
 * start.ts does not reach it: without a level set, read LOG_LEVEL from the
 * configuration (falling back to info when it cannot be parsed).
 */
function currentThreshold(): Level | "silent" {
  if (threshold === undefined) {
    try {
      threshold = config().LOG_LEVEL;
    } catch {
      threshold = "info";
    }
  }
  return threshold;
}

export function log(level: Level, event: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < ORDER[currentThreshold()]) return;
  const line = redactEmails(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

// Addresses can hide in error messages (an SMTP server quoting a recipient): none reaches the logs.
const EMAIL = /[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+/g;

/** Replaces every email address in a log line with "[email]". */
export function redactEmails(line: string): string {
  return line.replace(EMAIL, "[email]");
}

/** The message of an error, without its stack (stacks stay out of responses and logs). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 1000);
  // Drizzle appends the query's parameters (form values, addresses) to its message: keep the query, drop them.
  const message = error.message.replace(/\nparams: [\s\S]*$/, "");
  const cause = error.cause instanceof Error ? ` (causa: ${error.cause.name}: ${error.cause.message})` : "";
  return `${error.name}: ${message}${cause}`.slice(0, 1000);
}

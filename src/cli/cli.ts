/**
 * Shared shell for command-line tools: flag parsing with usage on error,
 * progress lines on long steps and a one-line summary at the end. Known
 * errors print one line and exit 1; nothing prints a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "@/config";
import { ContentFileError } from "@/lib/content-files";
import { errorMessage } from "@/lib/log";

export class UsageError extends Error {}

/** An error whose message is meant for the person at the terminal. */
export class CliError extends Error {}

/** Raw flag values; each command validates them with zod before use. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CliContext {
  values: FlagValues;
  /** Arguments that are not flags (only for commands that accept them). */
  positionals: string[];
  progress(message: string): void;
}

export async function runCli(
  name: string,
  usage: string,
  options: NonNullable<ParseArgsConfig["options"]>,
  main: (ctx: CliContext) => Promise<string>,
  settings: { positionals?: boolean } = {},
): Promise<void> {
  const started = performance.now();
  let values: FlagValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ options, strict: true, allowPositionals: settings.positionals === true, args: process.argv.slice(2) }));
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return;
    }
  } catch (error) {
    process.stderr.write(`${name}: ${errorMessage(error).replace(/^\w+: /, "")}\n\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const progress = (message: string) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`  … ${message} (${seconds} s)\n`);
  };
  try {
    const summary = await main({ values, positionals, progress });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${name}: ${summary} in ${seconds} s\n`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof ContentFileError || error instanceof CliError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${name}: errore imprevisto: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    }
  }
}

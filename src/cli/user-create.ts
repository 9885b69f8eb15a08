/**
 * `npm run user:create -- --email … --name … --role admin [--password …]`:
 * creates a verified account, typically the first admin. Without --password
 * it asks on the terminal, without echoing what is typed.
 */
import { z } from "zod";
import { config } from "@/config";
import { closeDatabase, connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { AccountError, createUser, emailField, passwordProblem, RoleSchema } from "@/accounts";
import { CliError, runCli, UsageError } from "./cli";

const USAGE = `Uso: npm run user:create -- --email <indirizzo> --name "<nome e cognome>" [--role learner|editor|admin] [--organisation "<ente>"] [--password <password>]
  Crea un account già verificato (ad esempio il primo amministratore).
  Senza --password la chiede sul terminale, senza mostrarla.`;

const Flags = z.object({
  email: emailField,
  name: z.string({ message: "manca --name" }).trim().min(1, "--name non può essere vuoto").max(120, "--name: massimo 120 caratteri"),
  role: RoleSchema.default("learner"),
  organisation: z.string().trim().max(200).default(""),
  password: z.string().optional(),
});

/** Reads a line from the terminal with echo off. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          done();
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          done();
          reject(new CliError("annullato"));
          return;
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

async function askPassword(personal: { email: string; name: string }): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UsageError("manca --password e il terminale non è interattivo: passa la password con --password.");
  }
  for (;;) {
    const password = await promptHidden("Password: ");
    const problem = passwordProblem(password, personal);
    if (problem) {
      process.stderr.write(`${problem}\n`);
      continue;
    }
    if ((await promptHidden("Ripeti la password: ")) === password) return password;
    process.stderr.write("Le due password non coincidono, riprova.\n");
  }
}

await runCli(
  "user:create",
  USAGE,
  {
    help: { type: "boolean", short: "h" },
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string" },
    organisation: { type: "string" },
    password: { type: "string" },
  },
  async ({ values, progress }) => {
    const parsed = Flags.safeParse(values);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const flag = String(issue.path[0] ?? "");
      const missing = values[flag] === undefined;
      throw new UsageError(missing ? `manca --${flag}` : `--${flag}: ${issue.message}`);
    }
    const flags = parsed.data;
    const password = flags.password ?? (await askPassword(flags));
    const problem = passwordProblem(password, flags);
    if (problem) throw new CliError(`password rifiutata: ${problem}`);
    const conn = await connection();
    try {
      progress("applicazione delle migrazioni");
      await applyMigrations(conn, config().root);
      await createUser({ email: flags.email, name: flags.name, role: flags.role, organisation: flags.organisation, password });
    } catch (error) {
      if (error instanceof AccountError) throw new CliError(error.message);
      throw error;
    } finally {
      await closeDatabase();
    }
    return `creato l'account ${flags.email} con ruolo ${flags.role}`;
  },
);

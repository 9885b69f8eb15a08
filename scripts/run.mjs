/**
 * `npm start` and `npm run worker` with plain `node`: builds first when
 * dist/ is missing or older than the sources (a fresh clone, an edit), then
 * runs the bundled script from dist/cli/.
 *
 * Usage: node scripts/run.mjs start|worker [arguments]
 */
import { spawn } from "node:child_process";
import module from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { needsBuild } from "./build-state.mjs";

const NAMES = new Set(["start", "worker"]);
const name = process.argv[2] ?? "";
if (!NAMES.has(name)) {
  process.stderr.write("Uso: node scripts/run.mjs start|worker\n");
  process.exit(2);
}
process.argv.splice(2, 1);
const root = process.cwd();

/** @param {string} command @param {string[]} args */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: process.env });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(undefined) : reject(new Error(`${path.basename(command)} è terminato con codice ${code}`))));
  });
}

if (needsBuild(root)) {
  process.stderr.write("Compilazione del sito (solo al primo avvio o dopo una modifica)…\n");
  try {
    await run(path.join(root, "node_modules/.bin/astro"), ["build"]);
    const { bundle } = await import("./bundle.mjs");
    await bundle(root);
  } catch (error) {
    process.stderr.write(`Compilazione non riuscita: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
// V8's code cache on disk (Node 22.1+): from the second start on, the bundles are not compiled again.
// It lives beside the build, so a rebuild starts with an empty cache; Node checks each entry against its source.
module.enableCompileCache?.(path.join(root, "dist/.compile-cache"));
await import(pathToFileURL(path.join(root, "dist/cli", `${name}.mjs`)).href);

/**
 * The second half of `npm run build`, after `astro build`: bundles the
 * start script and the worker with esbuild into dist/cli/ (so `npm start`
 * runs plain `node`, without tsx and without resolving hundreds of ES
 * modules), then writes the course structures to dist/courses.json.
 * Native packages stay external; the Astro server entry is imported by path
 * at run time, so it is never bundled twice.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

/** Packages with native code (or optional native add-ons): loaded from node_modules as they are. */
const NATIVE = ["@node-rs/argon2", "libsql", "@libsql/linux-*", "@libsql/darwin-*", "@libsql/win32-*", "bufferutil", "utf-8-validate"];
const ENTRIES = { start: "src/cli/start.ts", worker: "src/cli/worker.ts", "write-courses": "src/cli/write-courses.ts" };

/** @param {string} root */
export async function bundle(root) {
  const outdir = path.join(root, "dist/cli");
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    external: NATIVE,
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __aggregaRequire } from 'node:module'; const require = __aggregaRequire(import.meta.url);" },
    legalComments: "none",
    logLevel: "warning",
  });
  // Run from the bundle, like `npm start` will: the same code that reads the courses at start-up wrote them.
  const { writeCourses } = await import(pathToFileURL(path.join(outdir, "write-courses.mjs")).href);
  await writeCourses(root);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    await bundle(process.cwd());
  } catch (error) {
    process.stderr.write(`Preparazione dell'avvio non riuscita: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

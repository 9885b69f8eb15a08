/**
 * Before the end-to-end tests: make sure Chromium is installed (Debian's
 * package, installed here when we are root) and that dist/ is fresh.
 */
import { execFileSync } from "node:child_process";
import { ensureChromium } from "./browser";
import { ROOT } from "./db";
import { needsBuild } from "@/cli/build-state";

/** `npm run build` when dist/ is older than its sources: the site, then the bundled start and worker. */
export function buildIfNeeded() {
  if (needsBuild(ROOT)) {
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" } });
  }
}

export default function setup() {
  ensureChromium();
  buildIfNeeded();
}

// @ts-check
import { defineConfig } from "astro/config";
import node from "@astrojs/node";
import mdx from "@astrojs/mdx";

export default defineConfig({
  output: "server",
  // The adapter reads up to 1 GiB by default; src/lib/front-door.ts refuses anything over 1 MB (52 MB on the
  // attachment upload route, MAX_FORM_BYTES in src/lib/upload-limit.ts) before reading, and this backstop
  // stops a chunked upload that passes the same cap while it streams.
  // Middleware mode: src/cli/start.ts owns the HTTP server and answers the static files from a set read at
  // start-up (src/lib/static-files.ts), so dynamic pages skip the adapter's file-system lookup.
  adapter: node({ mode: "middleware", bodySizeLimit: 52 * 1024 * 1024 }),
  integrations: [mdx()],
  // Cross-site form posts are refused by src/middleware.ts (same rule as Astro's checkOrigin, plus the
  // RFC 8058 one-click unsubscribe exception, which Astro's global switch cannot express); JSON
  // endpoints add their own check (src/lib/http.ts).
  security: { checkOrigin: false },
  server: { host: "127.0.0.1", port: 4321 },
  build: { inlineStylesheets: "never" },
  devToolbar: { enabled: false },
  vite: {
    resolve: { tsconfigPaths: true },
    // Dependencies are bundled into dist/server (natives and the database client excepted): loading hundreds
    // of files from node_modules, each resolved through its package.json, was most of the start-up time.
    ssr: { noExternal: true, external: ["@node-rs/argon2", "@libsql/client", "libsql"] },
  },
});

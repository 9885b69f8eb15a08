import { defineConfig } from "vitest/config";

/**
 * Three groups: unit (pure functions), integration (a real libSQL file, a
 * real SMTP peer, a real libSQL server) and e2e (the built site in Chromium).
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    env: { LOG_LEVEL: "silent", ASTRO_TELEMETRY_DISABLED: "1" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/helpers/global-dist.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/helpers/global-build.ts"],
          // One browser and one built server at a time: the machine has two cores.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

import path from "node:path";
import { defineConfig } from "vitest/config";

// `npm run test:reliability`: the load-and-fault scenarios of the reliability suite.
export default defineConfig({
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "server/server-only-node.ts") },
  },
  test: {
    include: ["tests/reliability/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    env: { RATE_LIMIT_PER_MINUTE: "1000000000" },
  },
});

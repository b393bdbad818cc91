import path from "node:path";
import { defineConfig } from "vitest/config";
import { isUndiciCloseRace } from "./server/launch/known-races";

// `npm run test:reliability`: the load-and-fault scenarios of the reliability suite.
export default defineConfig({
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "server/server-only-node.ts") },
  },
  test: {
    include: ["tests/reliability/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    // A known undici race in provider calls cut short by the tests' faults (server/launch/known-races.ts): not a failure.
    onUnhandledError: (error) => !isUndiciCloseRace(error),
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    env: { RATE_LIMIT_PER_MINUTE: "1000000000" },
  },
});

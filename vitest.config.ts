import path from "node:path";
import { defineConfig } from "vitest/config";
import { isUndiciCloseRace } from "./server/launch/known-races";

export default defineConfig({
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "server/server-only-node.ts") },
  },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/security/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    // A known undici race in provider calls cut short by the tests' faults (server/launch/known-races.ts): not a failure.
    onUnhandledError: (error) => !isUndiciCloseRace(error),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});

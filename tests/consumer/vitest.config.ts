import path from "node:path";
import { defineConfig } from "vitest/config";

// `npm run test:consumer`: the packed client installed in a project of its own.
export default defineConfig({
  root: path.resolve(import.meta.dirname, "../.."),
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname, "../.."),
      "server-only": path.resolve(import.meta.dirname, "../../server/server-only-node.ts"),
    },
  },
  test: {
    include: ["tests/consumer/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});

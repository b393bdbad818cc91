import { defineConfig } from "tsup";

// `npm run build:client`: the publishable package in server/client/dist
// (git-ignored). JavaScript for `import` and `require`, and one declaration
// file per format carrying the whole API type; only the tRPC client's own
// packages stay outside the bundle.
export default defineConfig({
  entry: { index: "server/client/index.ts" },
  outDir: "server/client/dist",
  format: ["esm", "cjs"],
  target: "node20",
  platform: "node",
  dts: { entry: { index: "server/client/index.ts" }, compilerOptions: { incremental: false, composite: false } },
  external: ["@trpc/client", "@trpc/server", "eventsource"],
  clean: true,
  sourcemap: true,
  tsconfig: "tsconfig.json",
});

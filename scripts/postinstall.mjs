// Generates the Prisma client after `npm install`. Prisma 7's CLI wants a
// native schema engine it would download (impossible offline); `generate`
// does not use it, so any existing file satisfies the check. Migrations run
// through Prisma's wasm engine instead (server/launch/migrate.ts).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");
if (!existsSync(prismaCli)) {
  console.log("postinstall: prisma is not installed (production install?); skipping client generation");
  process.exit(0);
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, "package.json"),
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
execFileSync(process.execPath, [prismaCli, "generate"], { cwd: root, env, stdio: "inherit" });

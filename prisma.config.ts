import { defineConfig } from "prisma/config";

// Only `prisma generate` uses the CLI here; migrations run through Prisma's
// wasm schema engine (server/launch/migrate.ts), which needs no download.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});

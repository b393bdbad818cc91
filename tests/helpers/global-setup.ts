import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";

// One real Postgres for the whole run (TEST_DATABASE_URL, or an embedded one
// in a temporary folder), migrated once. Each test makes its own data.
export default async function setup(project: TestProject) {
  let databaseUrl = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!databaseUrl) {
    const dataDir = await mkdtemp(path.join(tmpdir(), "controlroom-test-pg-"));
    const pg = await startEmbeddedPostgres({ dataDir });
    databaseUrl = pg.url;
    stop = async () => {
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  await applyMigrations({ databaseUrl });
  process.env.DATABASE_URL = databaseUrl;
  project.provide("databaseUrl", databaseUrl);
  return stop;
}

declare module "vitest" {
  // Module augmentation needs an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

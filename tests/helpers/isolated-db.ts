import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { applyMigrations } from "../../server/launch/migrate";

/**
 * A database of its own on the test Postgres, migrated, and made this test
 * file's DATABASE_URL. For tests that run the worker: its queue and its sweep
 * see every job in a database, so they must not share one with other files.
 * Call before anything in this process has used db() or env().
 */
export async function useIsolatedDatabase(): Promise<string> {
  const shared = new URL(inject("databaseUrl"));
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: shared.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const isolated = new URL(shared);
  isolated.pathname = `/${name}`;
  await applyMigrations({ databaseUrl: isolated.toString() });
  process.env.DATABASE_URL = isolated.toString();
  process.env.BETTER_AUTH_SECRET ??= "test-secret-test-secret-test-secret-0000";
  return isolated.toString();
}

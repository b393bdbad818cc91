import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startEmbeddedPostgres } from "./embedded";
import { applyMigrations } from "./migrate";

// What the product's own commands (start, worker, cli, db:seed) do before
// anything reads env(): find the database, the auth secret and the provider.

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const DATA_DIR = path.join(ROOT, ".data");

export type Database = { url: string; embedded: boolean; stop(): Promise<void> };

/** DATABASE_URL when set; otherwise the embedded Postgres in .data/postgres (shared with a running app). */
export async function openDatabase(log: (line: string) => void = () => {}): Promise<Database> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, embedded: false, stop: () => Promise.resolve() };
  const pg = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, "postgres"), log });
  process.env.DATABASE_URL = pg.url;
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}

export async function migrate(databaseUrl: string): Promise<string[]> {
  return (await applyMigrations({ databaseUrl })).applied;
}

/** A stable secret for sessions, kept in .data when none is configured. */
export async function ensureAuthSecret(): Promise<void> {
  if (process.env.BETTER_AUTH_SECRET) return;
  const file = path.join(DATA_DIR, "auth-secret");
  if (!existsSync(file)) {
    await mkdir(DATA_DIR, { recursive: true });
    await writeFile(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  process.env.BETTER_AUTH_SECRET = (await readFile(file, "utf8")).trim();
}

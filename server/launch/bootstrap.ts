import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { launchEnv } from "../env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded";
import { applyMigrations } from "./migrate";

// What the product's own commands (start, worker, cli, db:seed) do before
// anything reads env(): find the database, the auth secret and the provider.

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The launchers' local state: DATA_DIR, `.data` in the checkout by default. */
export function dataDir(): string {
  return path.resolve(ROOT, launchEnv().DATA_DIR);
}

export type Database = Pick<EmbeddedPostgres, "url" | "stop" | "announceStopping"> & {
  embedded: boolean;
  /** False when attached to an embedded Postgres another launcher owns (stop() leaves it running). */
  owned: boolean;
};

export type OpenDatabaseOptions = {
  /** Refuse, rather than attach to, an embedded Postgres another live launcher owns (`npm start`). */
  exclusive?: boolean;
  /** This launcher's HTTP port, for the message a refused second start prints. */
  appPort?: number;
  /** One-line notices for the person at the terminal (waiting for a stopping server, …). */
  notice?: (line: string) => void;
};

/** DATABASE_URL when set; otherwise the embedded Postgres in DATA_DIR/postgres (shared with a running app unless `exclusive`). */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const fromEnv = process.env.DATABASE_URL;
  const nothing = () => Promise.resolve();
  if (fromEnv) return { url: fromEnv, embedded: false, owned: false, stop: nothing, announceStopping: nothing };
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir(), "postgres"), ...options });
  process.env.DATABASE_URL = pg.url;
  return { url: pg.url, embedded: true, owned: pg.owned, stop: (ms) => pg.stop(ms), announceStopping: (by) => pg.announceStopping(by) };
}

export async function migrate(databaseUrl: string): Promise<string[]> {
  return (await applyMigrations({ databaseUrl })).applied;
}

/** A stable secret for sessions, kept in .data when none is configured. */
export async function ensureAuthSecret(): Promise<void> {
  if (process.env.BETTER_AUTH_SECRET) return;
  const file = path.join(dataDir(), "auth-secret");
  if (!existsSync(file)) {
    await mkdir(dataDir(), { recursive: true });
    await writeFile(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  process.env.BETTER_AUTH_SECRET = (await readFile(file, "utf8")).trim();
}

// Migrations with Prisma's own schema engine, compiled to wasm (the native
// engine `prisma migrate` wants cannot be downloaded here).
//
// - applyMigrations = `prisma migrate deploy`: same engine code, same
//   `_prisma_migrations` bookkeeping (checksums, logs, failed-migration checks).
// - createMigration = `prisma migrate dev --create-only`, minus the database:
//   it diffs the schema snapshot kept with the newest migration (see
//   server/db/migrations-dir.ts) against the current schema.prisma.
//
// Hand-written SQL (triggers, e.g. the append-only event log in *_init) is
// never generated: append it to a migration.sql, or give it a migration of its
// own. Prisma does not model triggers, so later diffs neither repeat nor drop it.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory, type ErrorRegistry } from "@prisma/driver-adapter-utils";
import { openMigrationConnection } from "./migration-adapter";
import {
  ensureLockFile,
  migrationFolderName,
  migrationNames,
  MIGRATIONS_DIR,
  MIGRATION_FILE,
  readMigrationsList,
  SNAPSHOT_FILE,
} from "../db/migrations-dir";
import { offlineAdapterFactory } from "./offline-adapter";
import { engineErrorMessage, NO_FILTER, openSchemaEngine, type SchemasContainer } from "./schema-engine";

export const DEFAULT_SCHEMA_PATH = "prisma/schema.prisma";

// Our own lock, distinct from the one Prisma's engine takes (72707369): holding
// the engine's key here would make the engine wait for us forever. The engine's
// own lock times out after 10 s, so a second process would fail while the first
// runs a long migration; ours makes it wait its turn instead.
const APPLY_LOCK_KEY = 72707370;

export type ApplyMigrationsOptions = {
  databaseUrl: string;
  migrationsDir?: string;
  log?: (line: string) => void;
};

/** Applies pending migrations, like `prisma migrate deploy`. Safe to run concurrently. */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrationsList(options.migrationsDir ?? MIGRATIONS_DIR);
  const lock = new pg.Client({ connectionString: options.databaseUrl });
  lock.on("error", () => {}); // a dropped session surfaces through the engine's own error
  await lock.connect().catch((error: unknown) => {
    throw new Error(`Could not connect to ${redact(options.databaseUrl)}: ${engineErrorMessage(error)}`, { cause: error });
  });
  try {
    await lock.query("select pg_advisory_lock($1)", [APPLY_LOCK_KEY]);
    const connection = openMigrationConnection(options.databaseUrl);
    try {
      const engine = await openSchemaEngine(connection.adapter, engineLog(options.log)).catch((error: unknown) => {
        throw engineError("connect", error, connection.adapter.errorRegistry);
      });
      try {
        const result = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
        return { applied: result.appliedMigrationNames };
      } catch (error) {
        throw engineError("apply migrations", error, connection.adapter.errorRegistry);
      } finally {
        engine.free();
      }
    } finally {
      await connection.close();
    }
  } finally {
    // Closing the session releases the advisory lock even if unlocking fails.
    await lock.end();
  }
}

export type CreateMigrationOptions = {
  name: string;
  schemaPath?: string;
  migrationsDir?: string;
  log?: (line: string) => void;
  now?: Date;
};

// What the first migration starts from: a schema with nothing in it. (The engine's
// `empty` target would also emit CREATE SCHEMA "public", which `migrate dev`
// does not and which needs CREATE rights on the database.)
const EMPTY_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

/**
 * Writes `<migrationsDir>/<timestamp>_<name>/migration.sql` for the change from
 * the newest migration's snapshot to the current schema, plus the new snapshot.
 * Returns the folder, or null when the schema has not changed.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<string | null> {
  const log = options.log ?? console.log;
  const schemaPath = options.schemaPath ?? DEFAULT_SCHEMA_PATH;
  const baseDir = path.resolve(options.migrationsDir ?? MIGRATIONS_DIR);
  const schema = await readFile(schemaPath, "utf8");

  const previous = (await migrationNames(baseDir)).at(-1);
  const snapshot = previous === undefined ? EMPTY_SCHEMA : await readSnapshot(baseDir, previous);
  const script = await diffSchemas(snapshot, schema, path.basename(schemaPath));
  if (script === null) {
    log(`No changes in ${schemaPath} since ${previous ?? "the empty schema"}; no migration created.`);
    return null;
  }

  const folder = path.join(baseDir, migrationFolderName(options.name, options.now ?? new Date(), previous));
  await mkdir(folder, { recursive: true });
  try {
    await writeFile(path.join(folder, MIGRATION_FILE), script);
    await writeFile(path.join(folder, SNAPSHOT_FILE), schema);
    await ensureLockFile(baseDir);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  log(`Created ${path.relative(process.cwd(), folder)}/${MIGRATION_FILE}`);
  return folder;
}

async function readSnapshot(baseDir: string, migration: string): Promise<string> {
  const file = path.join(baseDir, migration, SNAPSHOT_FILE);
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new Error(
      `${file} is missing, so the schema as of ${migration} is unknown. ` +
        `Save schema.prisma as it was at that migration to that file (e.g. from git), then retry.`,
    );
  }
}

/** The SQL from `from` to `to` (Prisma schema texts), or null if they are equivalent. */
async function diffSchemas(from: string, to: string, fileName: string): Promise<string | null> {
  const adapter = bindMigrationAwareSqlAdapterFactory(offlineAdapterFactory());
  const engine = await openSchemaEngine(adapter);
  const container = (content: string): SchemasContainer => ({ files: [{ path: fileName, content }] });
  try {
    // exitCode: true makes the engine report 2 for a non-empty diff, 0 for none.
    const result = await engine.diff({
      from: { tag: "schemaDatamodel", ...container(from) },
      to: { tag: "schemaDatamodel", ...container(to) },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    });
    return result.exitCode === 2 && result.stdout ? result.stdout : null;
  } catch (error) {
    throw engineError("diff the schema", error, adapter.errorRegistry);
  } finally {
    engine.free();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the database (unparsable URL)";
  }
}

/** Engine log lines are JSON; forward just their message. */
function engineLog(log: ((line: string) => void) | undefined): (line: string) => void {
  if (!log) return () => {};
  return (line: string) => {
    try {
      const message = (JSON.parse(line) as { fields?: { message?: unknown } }).fields?.message;
      log(typeof message === "string" ? message : line);
    } catch {
      log(line);
    }
  };
}

/**
 * Errors raised inside the adapter reach us as "External error id#N"; the
 * original (e.g. ECONNREFUSED) waits in the adapter's registry.
 */
function engineError(action: string, error: unknown, registry: ErrorRegistry): Error {
  const message = engineErrorMessage(error);
  const id = /External error id#(\d+)/.exec(message)?.[1];
  const original = id === undefined ? undefined : registry.consumeError(Number(id))?.error;
  const detail = original === undefined ? message : engineErrorMessage(original);
  const code = (error as { code?: unknown }).code;
  return new Error(`Could not ${action}: ${typeof code === "string" ? `${code} ` : ""}${detail}`, { cause: error });
}

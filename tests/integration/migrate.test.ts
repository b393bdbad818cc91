// The real migrations, applied by the wasm schema engine to a throwaway
// embedded Postgres of this file's own (not the shared test database, which the
// global setup has already migrated).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/server/launch/embedded";
import { applyMigrations } from "@/server/launch/migrate";
import { migrationNames } from "@/server/db/migrations-dir";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

let dataDir = "";
let server: EmbeddedPostgres | undefined;

function urlFor(database: string): string {
  if (!server) throw new Error("server not started");
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(name: string): Promise<void> {
  await withClient("postgres", (client) => client.query(`create database ${client.escapeIdentifier(name)}`));
}

beforeAll(async () => {
  // mkdtemp makes a 0700 folder; embedded Postgres hands it to the `postgres` user.
  dataDir = await mkdtemp(path.join(tmpdir(), "controlroom-migrate-"));
  server = await startEmbeddedPostgres({ dataDir, database: "migrate_test" });
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("applyMigrations", () => {
  it("applies every migration once, recording them like prisma migrate deploy", async () => {
    const expected = await migrationNames(migrationsDir);
    expect(expected.length).toBeGreaterThan(0);

    const first = await applyMigrations({ databaseUrl: urlFor("migrate_test"), migrationsDir });
    expect(first.applied).toEqual(expected);
    const second = await applyMigrations({ databaseUrl: urlFor("migrate_test"), migrationsDir });
    expect(second.applied).toEqual([]);

    await withClient("migrate_test", async (client) => {
      const rows = await client.query<{ migration_name: string; finished: boolean; checksum: string }>(
        "select migration_name, finished_at is not null and rolled_back_at is null as finished, checksum from _prisma_migrations order by migration_name",
      );
      expect(rows.rows.map((row) => row.migration_name)).toEqual(expected);
      expect(rows.rows.every((row) => row.finished && /^[0-9a-f]{64}$/.test(row.checksum))).toBe(true);
      const table = await client.query<{ found: string | null }>("select to_regclass('public.finetuning_jobs')::text as found");
      expect(table.rows[0]?.found).toBe("finetuning_jobs");
    });
  });

  it("lets exactly one of two concurrent runs apply the migrations", async () => {
    await createDatabase("migrate_concurrent");
    const databaseUrl = urlFor("migrate_concurrent");
    const runs = await Promise.all([applyMigrations({ databaseUrl, migrationsDir }), applyMigrations({ databaseUrl, migrationsDir })]);
    const expected = await migrationNames(migrationsDir);
    expect(runs.map((run) => run.applied.length).sort()).toEqual([0, expected.length]);
    const count = await withClient("migrate_concurrent", (client) =>
      client.query<{ n: number }>("select count(*)::int as n from _prisma_migrations"),
    );
    expect(count.rows[0]?.n).toBe(expected.length);
  });

  it("makes job_events append-only", async () => {
    await withClient("migrate_test", async (client) => {
      await client.query("begin");
      try {
        const connection = await client.query<{ id: string }>(
          "insert into db_connections (id, alias, dialect, schema_text, updated_at) values (gen_random_uuid(), 'c', 'postgresql', '', now()) returning id",
        );
        const job = await client.query<{ id: string }>(
          "insert into finetuning_jobs (id, db_connection_id, model_name) values (gen_random_uuid(), $1, 'gpt') returning id",
          [connection.rows[0]?.id],
        );
        await client.query("insert into job_events (job_id, kind, actor) values ($1, 'status_change', 'test')", [job.rows[0]?.id]);
        await client.query("savepoint before_update");
        await expect(client.query("update job_events set actor = 'someone else'")).rejects.toThrow(/append-only/);
        await client.query("rollback to savepoint before_update");
        await expect(client.query("delete from job_events")).rejects.toThrow(/append-only/);
      } finally {
        await client.query("rollback");
      }
    });
  });
});

// The sandbox's state in Postgres, in its own schema of the product's
// database, so a restart carries every provider job on and every front (app
// and worker processes) on one database shares one sandbox. The sandbox
// creates its schema itself on start: it is a stand-in for OpenAI, not part of
// the product's data model, so the product's migrations (and a production
// database talking to the real OpenAI) never carry it.
//
// The clock: sandbox time stands still while no front is up (each front
// stamps `seen_ms` every few seconds; a front starting after a longer gap adds
// the gap to `offset_ms`), so a job resumes where it was after a restart.
import pg from "pg";
import type { FileRecord, JobRecord, SandboxStore, SharedConfig, Versioned } from "./state";
import type { CheckpointJson, EventJson, SandboxTimings } from "./types";

const HEARTBEAT_MS = 2_000;
/** A gap in heartbeats longer than this is time with no sandbox up. */
const DOWN_AFTER_MS = 10_000;

type JsonTimings = Record<keyof SandboxTimings, number | null>;

function toJson(timings: SandboxTimings): JsonTimings {
  const out = {} as JsonTimings;
  for (const key of Object.keys(timings) as Array<keyof SandboxTimings>)
    out[key] = Number.isFinite(timings[key]) ? (timings[key] ?? null) : null;
  return out;
}

function fromJson(json: JsonTimings): SandboxTimings {
  const out = {} as SandboxTimings;
  for (const key of Object.keys(json) as Array<keyof SandboxTimings>) out[key] = json[key] ?? Infinity;
  return out;
}

function ddl(s: string): string {
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.config (id int PRIMARY KEY CHECK (id = 1), timings jsonb NOT NULL, offset_ms bigint NOT NULL, seen_ms bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.files (seq bigserial, id text PRIMARY KEY, data jsonb NOT NULL, content bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.jobs (seq bigserial, id text PRIMARY KEY, version int NOT NULL DEFAULT 0, data jsonb NOT NULL);
    CREATE INDEX IF NOT EXISTS jobs_metadata ON ${s}.jobs USING gin ((data -> 'metadata') jsonb_path_ops);
    CREATE TABLE IF NOT EXISTS ${s}.events (seq bigserial PRIMARY KEY, job_id text NOT NULL, data jsonb NOT NULL);
    CREATE INDEX IF NOT EXISTS events_job ON ${s}.events (job_id, seq);
    CREATE TABLE IF NOT EXISTS ${s}.checkpoints (seq bigserial PRIMARY KEY, job_id text NOT NULL, data jsonb NOT NULL);
    CREATE INDEX IF NOT EXISTS checkpoints_job ON ${s}.checkpoints (job_id, seq);`;
}

export type PgStore = SandboxStore & { schema: string };

/**
 * Opens (creating if needed) the sandbox schema. `timings`, when given, become
 * the shared timings; otherwise the stored ones stay (or `fallback` on a new schema).
 */
export async function pgStore(args: {
  databaseUrl: string;
  schema?: string;
  timings?: SandboxTimings;
  fallback: SandboxTimings;
}): Promise<PgStore> {
  const schema = args.schema ?? "sandbox";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid sandbox schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({ connectionString: args.databaseUrl, max: 4, application_name: "openai-sandbox" });
  pool.on("error", () => undefined); // a dropped idle connection is replaced on next use
  const q = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => pool.query<R>(sql, params);

  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Two fronts starting at once must not race each other's CREATE TABLE.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`openai-sandbox:${schema}`]);
    await client.query(ddl(schema));
    const now = Date.now();
    await client.query(
      `INSERT INTO ${schema}.config (id, timings, offset_ms, seen_ms) VALUES (1, $1, 0, $2)
       ON CONFLICT (id) DO UPDATE SET
         offset_ms = config.offset_ms + GREATEST(0, $2 - config.seen_ms - $4),
         seen_ms = GREATEST(config.seen_ms, $2),
         timings = COALESCE($3, config.timings)`,
      [
        JSON.stringify(toJson(args.timings ?? args.fallback)),
        now,
        args.timings ? JSON.stringify(toJson(args.timings)) : null,
        DOWN_AFTER_MS,
      ],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release();
    await pool.end();
    throw error;
  }
  client.release();

  const beat = () => q(`UPDATE ${schema}.config SET seen_ms = GREATEST(seen_ms, $1)`, [Date.now()]).catch(() => undefined);
  const heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
  heartbeat.unref();

  const jobRows = (rows: Array<{ data: JobRecord; version: number }>): Array<Versioned<JobRecord>> =>
    rows.map((r) => ({ value: r.data, version: r.version }));

  return {
    schema,
    async config(): Promise<SharedConfig> {
      const { rows } = await q<{ timings: JsonTimings; offset_ms: string }>(`SELECT timings, offset_ms FROM ${schema}.config WHERE id = 1`);
      const row = rows[0];
      if (!row) throw new Error("The sandbox config row is missing");
      return { timings: fromJson(row.timings), offsetMs: Number(row.offset_ms) };
    },
    async setTimings(timings) {
      await q(`UPDATE ${schema}.config SET timings = $1`, [JSON.stringify(toJson(timings))]);
    },
    async insertFile(file: FileRecord, content: Buffer) {
      await q(`INSERT INTO ${schema}.files (id, data, content) VALUES ($1, $2, $3)`, [file.id, JSON.stringify(file), content]);
    },
    async getFile(id) {
      const { rows } = await q<{ data: FileRecord }>(`SELECT data FROM ${schema}.files WHERE id = $1`, [id]);
      return rows[0]?.data ?? null;
    },
    async fileContent(id) {
      const { rows } = await q<{ content: Buffer }>(`SELECT content FROM ${schema}.files WHERE id = $1`, [id]);
      return rows[0]?.content ?? null;
    },
    async listFiles() {
      const { rows } = await q<{ data: FileRecord }>(`SELECT data FROM ${schema}.files ORDER BY seq`);
      return rows.map((r) => r.data);
    },
    async markFileDeleted(id) {
      await q(`UPDATE ${schema}.files SET data = jsonb_set(data, '{deleted}', 'true') WHERE id = $1`, [id]);
    },
    async insertJob(job: JobRecord, events: EventJson[]) {
      await q(
        `WITH j AS (INSERT INTO ${schema}.jobs (id, data) VALUES ($1, $2))
         INSERT INTO ${schema}.events (job_id, data) SELECT $1, e FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n`,
        [job.id, JSON.stringify(job), JSON.stringify(events)],
      );
    },
    async getJob(id) {
      const { rows } = await q<{ data: JobRecord; version: number }>(`SELECT data, version FROM ${schema}.jobs WHERE id = $1`, [id]);
      return jobRows(rows)[0] ?? null;
    },
    async listJobs(metadata, page) {
      // The page is cut in SQL: a list call reads its page, not every job.
      const where: string[] = [];
      const params: unknown[] = [];
      if (metadata.length) where.push(`data -> 'metadata' @> $${params.push(JSON.stringify(Object.fromEntries(metadata)))}::jsonb`);
      if (page?.after != null) where.push(`seq < (SELECT seq FROM ${schema}.jobs WHERE id = $${params.push(page.after)})`);
      const { rows } = await q<{ data: JobRecord; version: number }>(
        `SELECT data, version FROM ${schema}.jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY seq DESC LIMIT $${params.push(page?.limit ?? null)}`,
        params,
      );
      return jobRows(rows);
    },
    async saveJob(job, version, events: EventJson[], checkpoints: CheckpointJson[]) {
      // One statement: the guarded update, and the events and checkpoints only if it won.
      const { rows } = await q<{ saved: boolean }>(
        `WITH j AS (UPDATE ${schema}.jobs SET data = $2, version = version + 1 WHERE id = $1 AND version = $3 RETURNING id),
         e AS (INSERT INTO ${schema}.events (job_id, data) SELECT $1, x FROM j, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n),
         c AS (INSERT INTO ${schema}.checkpoints (job_id, data) SELECT $1, x FROM j, jsonb_array_elements($5::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n)
         SELECT EXISTS (SELECT 1 FROM j) AS saved`,
        [job.id, JSON.stringify(job), version, JSON.stringify(events), JSON.stringify(checkpoints)],
      );
      return rows[0]?.saved === true;
    },
    async listEvents(jobId) {
      const { rows } = await q<{ data: EventJson }>(`SELECT data FROM ${schema}.events WHERE job_id = $1 ORDER BY seq`, [jobId]);
      return rows.map((r) => r.data);
    },
    async listCheckpoints(jobId) {
      const { rows } = await q<{ data: CheckpointJson }>(`SELECT data FROM ${schema}.checkpoints WHERE job_id = $1 ORDER BY seq`, [jobId]);
      return rows.map((r) => r.data);
    },
    async clear(timings) {
      await q(`TRUNCATE ${schema}.files, ${schema}.jobs, ${schema}.events, ${schema}.checkpoints`);
      await q(`UPDATE ${schema}.config SET timings = $1`, [JSON.stringify(toJson(timings))]);
    },
    async close() {
      clearInterval(heartbeat);
      await beat();
      await pool.end();
    },
  };
}

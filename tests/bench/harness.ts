// What the benchmark and the profiler share: child processes (tracked, stopped
// by pid), the load generator, Postgres CPU accounting and wait sampling, and
// the bulk-loaded jobs.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";
import { childrenOf, cpuMsOf, sleep } from "./lib";
import type { LoadResult, LoadSpec } from "./loadgen";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const NODE = process.execPath;
export const SECRET = "bench-secret-bench-secret-bench-secret-0000";
export const MODEL = "gpt-4o-mini-2024-07-18";

// ---------- a run ----------

/** A folder for this run's files that the embedded Postgres (run as the "postgres" user when we are root) can pass through. */
export async function makeRunDir(prefix: string): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(tmp, 0o711);
  return tmp;
}

/** A fresh, migrated embedded Postgres in the run's folder, and an admin connection to it. */
export async function startRunDatabase(
  tmp: string,
  log?: (line: string) => void,
): Promise<{ embedded: EmbeddedPostgres; admin: pg.Client }> {
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), log });
  await applyMigrations({ databaseUrl: embedded.url, migrationsDir: path.join(ROOT, "prisma", "migrations") });
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  return { embedded, admin };
}

/** This process uses the product's own modules (admin functions, services) on the run's database, configured as the app is. */
export function useProductHere(databaseUrl: string): void {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: "1000000000",
    NODE_ENV: "production",
  });
}

/** The app's environment in a run: production, no worker, its port, no rate limit in the way; `extra` adds or overrides. */
export function appEnv(databaseUrl: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    NODE_ENV: "production",
    WORKER: "off",
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    BETTER_AUTH_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: "1000000000",
    ...extra,
  });
}

/** Stops what a run started: every child, the admin connection, Postgres, and the run's folder. */
export async function tearDown({ admin, embedded, tmp }: { admin?: pg.Client; embedded?: EmbeddedPostgres; tmp: string }): Promise<void> {
  await stopAll();
  await admin?.end().catch(() => {});
  await embedded?.stop().catch(() => {});
  await rm(tmp, { recursive: true, force: true });
}

/** Runs a script's main, bounded in time; the bound and Ctrl-C stop every child it started. */
export async function runBounded(name: string, minutes: number, main: () => Promise<void>): Promise<void> {
  setTimeout(() => {
    console.error(`[${name}] time limit (${minutes} min) reached; stopping`);
    for (const child of children) if (child.pid) child.kill("SIGKILL");
    process.exit(3);
  }, minutes * 60_000).unref();
  process.on("SIGINT", () => {
    for (const child of children) if (child.pid) child.kill("SIGTERM");
    process.exit(130);
  });
  await main();
}

/**
 * Builds the web app when .next/BUILD_ID is missing (the first run of a clone),
 * after waiting (bounded) for another `next build` of this checkout to finish.
 * Answers how long the build took, or null when none was needed.
 */
export function ensureNextBuild(log: (line: string) => void): number | null {
  const deadline = Date.now() + 10 * 60_000;
  if (existsSync(path.join(ROOT, ".next", "lock"))) log("another next build is running here (.next/lock); waiting for it…");
  while (existsSync(path.join(ROOT, ".next", "lock")) && Date.now() < deadline) execFileSync("sleep", ["2"]);
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return null;
  log("no .next/BUILD_ID: running next build (once)…");
  const t0 = performance.now();
  execFileSync(NODE, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: childEnv({ NODE_ENV: "production" }),
  });
  return Math.round(performance.now() - t0);
}

// ---------- processes ----------

/** Every process this run started and that is still alive, so that all are stopped (by pid) at the end. */
export const children = new Set<ChildProcess>();

export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL"]) if (!(name in extra)) Reflect.deleteProperty(env, name);
  return env;
}

export function track(child: ChildProcess, name: string, lines?: string[]): ChildProcess {
  children.add(child);
  const keep = (chunk: Buffer) => {
    if (!lines) return;
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(`${name}: ${line}`);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM (to the process, or to its process group when it was spawned detached), SIGKILL after 15 s. */
export async function stopChild(child: ChildProcess | undefined, { group = false } = {}): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timeout = sleep(15_000).then(() => "timeout" as const);
  if ((await Promise.race([exited, timeout])) === "timeout") {
    signal("SIGKILL");
    await Promise.race([exited, sleep(5_000)]);
  }
}

export async function stopAll(): Promise<void> {
  for (const child of [...children]) await stopChild(child);
}

export async function waitForHttp(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  ok: (status: number) => boolean,
): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the process exited (code ${child.exitCode}) before ${url} answered`);
    const status = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status && ok(status)) return { ms: performance.now() - started, status };
    await sleep(50);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function runLoadgen(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(NODE, ["--import", "tsx", path.join(ROOT, "tests/bench/loadgen.ts"), JSON.stringify(spec)], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "loadgen",
    );
    let out = "";
    let err = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr?.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.once("exit", (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as LoadResult);
      else reject(new Error(`loadgen exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

// ---------- Postgres ----------

/**
 * Postgres' CPU time: the postmaster, its live children (backends, walwriter, …),
 * and the children it already reaped (cutime/cstime), so that a pooled
 * connection closing mid-case does not make the figure go backwards.
 */
export function postgresCpuMs(dataDir: string): number {
  const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return cpuMsOf(pid, { reapedChildren: true }) + childrenOf(pid).reduce((sum, child) => sum + cpuMsOf(child), 0);
}

/**
 * Samples what Postgres' active backends are doing (pg_stat_activity) every
 * `everyMs`, from its own connection: "CPU" when running, else the wait event.
 */
export async function sampleWaits(
  url: string,
  everyMs = 20,
): Promise<{ stop(): Promise<{ samples: number; activePerSample: number; byEvent: Record<string, number> }> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let active = 0;
  let running = true;
  const loop = (async () => {
    const deadline = Date.now() + 10 * 60_000;
    while (running && Date.now() < deadline) {
      const { rows } = await client.query<{ ev: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS ev, count(*)::int AS n
         FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      samples++;
      for (const r of rows) {
        counts.set(r.ev, (counts.get(r.ev) ?? 0) + r.n);
        active += r.n;
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      const byEvent = Object.fromEntries(
        [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number((v / Math.max(1, samples)).toFixed(3))]),
      );
      return { samples, activePerSample: active / Math.max(1, samples), byEvent };
    },
  };
}

// ---------- data ----------

export type JobPool = { take(n: number): Promise<string[]> };

/** Running jobs with no provider job, each handed out once. Tops itself up with more (older) jobs when short. */
export function jobPool(admin: pg.Client, connectionId: string, initial: string[], inserted: number): JobPool {
  let free = shuffle(initial);
  let made = inserted;
  return {
    async take(n) {
      if (free.length < n) {
        const more = n - free.length + 1_000;
        const ids = await insertJobs(admin, connectionId, made + 1, made + more, "bench");
        made += more;
        free = free.concat(shuffle(ids));
        await admin.query("VACUUM (ANALYZE) finetuning_jobs");
      }
      return free.splice(0, n);
    },
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Inserts jobs number `from`..`to` (created 1 s apart, newest first), running, no provider job; the NOTIFY trigger is off for the bulk load. */
export async function insertJobs(
  admin: pg.Client,
  connectionId: string,
  from: number,
  to: number,
  prefix: string,
  createdSql = "now() - make_interval(secs => g)",
): Promise<string[]> {
  await admin.query("BEGIN");
  await admin.query("SET LOCAL session_replication_role = replica");
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO finetuning_jobs (id, alias, db_connection_id, status, model_name, golden_records, created_by, created_at, updated_at)
     SELECT uuidv7(), $4 || '-' || g, $1, 'running', $5, '{}', 'bench', ${createdSql}, now()
     FROM generate_series($2::int, $3::int) AS g RETURNING id`,
    [connectionId, from, to, prefix, MODEL],
  );
  await admin.query("COMMIT");
  return rows.map((r) => r.id);
}

export async function insertConnection(admin: pg.Client): Promise<string> {
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO db_connections (id, alias, dialect, schema_text, updated_at) VALUES (uuidv7(), 'bench', 'postgresql', 'CREATE TABLE t (id int);', now()) RETURNING id`,
  );
  return rows[0]?.id as string;
}

export async function writeIds(dir: string, name: string, ids: string[]): Promise<string> {
  const file = path.join(dir, `${name}.ids`);
  await writeFile(file, `${ids.join("\n")}\n`);
  return file;
}

/** The machine a run measured on, and its load average when the run began. */
export function machineFacts(loadAverageAtStart = os.loadavg()) {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageAtStart };
}

/** Writes a run's results to bench-results/`name` (JSON); answers the path written, relative to the checkout. */
export async function writeResults(name: string, results: unknown): Promise<string> {
  await mkdir(path.join(ROOT, "bench-results"), { recursive: true });
  await writeFile(path.join(ROOT, "bench-results", name), `${JSON.stringify(results, null, 2)}\n`);
  return `bench-results/${name}`;
}

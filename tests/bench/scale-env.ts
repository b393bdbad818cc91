// The scale section's environment (scale.ts measures in it): a fresh
// Postgres for the product, the provider in a process of its own
// (scale-sandbox.ts, its state in a second Postgres), the product's real
// processes pointed at it, and what the measurements need from them: the
// product's API, the provider's record of requests, /metrics, /proc CPU, the
// live feed as a browser reads it, and running jobs seeded on both sides.
import { randomBytes, randomUUID } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { PROVIDER_CAPABILITIES } from "../../server/provider/capabilities";
import { NOT_STARTED, type FileRecord, type JobRecord } from "../../server/provider/sandbox/state";
import type { EventJson } from "../../server/provider/sandbox/types";
import { startCommandArgs } from "../helpers/start-command";
import { log } from "./context";
import {
  appEnv,
  childEnv,
  makeRunDir,
  MODEL,
  NODE,
  postgresCpuMs,
  ROOT,
  SECRET,
  startRunDatabase,
  stopChild,
  track,
  waitForHttp,
} from "./harness";
import { cpuMsOf, freePort, machineBusyMs, round, sleep, stats, type Stats } from "./lib";
import type { Hit } from "./scale-sandbox";

/** Sandbox jobs train for an hour. */
export const RUNNING_MS = 60 * 60_000;
export const OPENAI_TIMINGS = { fileProcessingMs: 200, validatingMs: 300, queuedMs: 300, runningMs: RUNNING_MS };
// Together confirms a cancel only after 2 minutes: the urgent phase sees every cancelled job still being confirmed.
export const TOGETHER_TIMINGS = { ...OPENAI_TIMINGS, cancelConfirmMs: 120_000 };
/** Feeds the app allows one user (LIVE_FEED_MAX_PER_USER, 20 by default): raised, as 200 feeds are opened on one API key. */
export const FEEDS_PER_USER = 250;
/** A quiet seeded job: 30 steps in its hour. A guarded one: a step every 6 s, its cost growing with each. */
export const QUIET_SHAPE = { examples: 10, epochs: 3, tokens: 2_000 };
export const GUARD_SHAPE = { examples: 600, epochs: 1, tokens: 1_000_000 };
/** The connection's golden records: the fewest a job may have (10), so no validation file and the fewest provider calls. */
const GOLDEN_RECORDS = 10;
const JOB_ID_METADATA_KEY = "controlroom_job_id";

export type CallRate = { calls: number; seconds: number; mean: number; busiestSecond: number; busiestSliding: number; budget: number };
export type CpuWindow = {
  seconds: number;
  appCores: number;
  workerCores: number;
  postgresCores: number;
  /** App + worker + Postgres: the figure the target is about. */
  productCores: number;
  /** The sandbox process and its Postgres (the provider's), this process, and the rest of the machine: not the product's. */
  providerCores: number;
  benchCores: number;
  othersCores: number;
  machineCores: number;
};
export type Censored = Stats & { censored: number };

// ---------- an environment ----------

export type Env = {
  label: string;
  tmp: string;
  productDir: string;
  sandboxDir: string;
  product: EmbeddedPostgres;
  admin: pg.Client;
  databaseUrl: string;
  sandboxPg: EmbeddedPostgres;
  sandboxAdmin: pg.Client;
  provider: { child: ChildProcess; openai: string; together: string; log: string; openaiKey: string; togetherKey: string };
  app: { child: ChildProcess; pid: number; baseUrl: string; metrics: string };
  worker: { child: ChildProcess; pid: number; metrics: string };
  extra: ChildProcess[];
  key: string;
  connectionId: string;
  goldenIds: string[];
  hits: Hit[];
  output: string[];
  budgets: { openai: number; together: number };
};

const randomKey = (prefix: string) => `${prefix}-${randomBytes(24).toString("base64url")}`;

export function linePrinted(child: ChildProcess, pattern: RegExp, timeoutMs: number, name: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs / 1000} s: ${out.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready: ${out.slice(-2000)}`));
    });
  });
}

/** The product's environment: what each of its processes is given (the provider is the bench's sandbox process). */
export function productVars(env: Pick<Env, "provider" | "budgets">, metricsPort: number): Record<string, string> {
  return {
    OPENAI_API_KEY: env.provider.openaiKey,
    OPENAI_BASE_URL: env.provider.openai,
    TOGETHER_API_KEY: env.provider.togetherKey,
    TOGETHER_BASE_URL: env.provider.together,
    PROVIDER_MAX_RPS_OPENAI: String(env.budgets.openai),
    PROVIDER_MAX_RPS_TOGETHER: String(env.budgets.together),
    METRICS_PORT: String(metricsPort),
    LIVE_FEED_MAX_PER_USER: String(FEEDS_PER_USER),
    // Stopping is not measured: a short drain keeps the section's own time down.
    SHUTDOWN_TIMEOUT_MS: "3000",
  };
}

export async function startApp(env: Env, name: string): Promise<Env["app"]> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = track(
    spawn(NODE, startCommandArgs(), {
      cwd: ROOT,
      env: appEnv(env.databaseUrl, port, productVars(env, metricsPort)),
      stdio: ["ignore", "pipe", "pipe"],
    }),
    name,
    env.output,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/sign-in`, child, 120_000, (s) => s === 200);
  return { child, pid: child.pid as number, baseUrl, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

export async function startWorkerProcess(env: Env, name: string): Promise<Env["worker"]> {
  const metricsPort = await freePort();
  const child = track(
    spawn(NODE, ["--import", "tsx", "scripts/worker.ts"], {
      cwd: ROOT,
      env: childEnv({
        NODE_ENV: "production",
        DATABASE_URL: env.databaseUrl,
        BETTER_AUTH_SECRET: SECRET,
        ...productVars(env, metricsPort),
      }),
      stdio: ["ignore", "pipe", "pipe"],
    }),
    name,
    env.output,
  );
  await linePrinted(child, /Worker \d+ running/, 60_000, name);
  return { child, pid: child.pid as number, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

export async function startEnv(label: string, budgets: Env["budgets"]): Promise<Env> {
  const tmp = await makeRunDir(`controlroom-bench-scale-${label}-`);
  const output: string[] = [];
  const partial: Partial<Env> = { tmp, output, label, extra: [], hits: [], budgets };
  try {
    const { embedded, admin } = await startRunDatabase(tmp);
    Object.assign(partial, { product: embedded, admin, databaseUrl: embedded.url, productDir: path.join(tmp, "pg") });
    partial.sandboxDir = path.join(tmp, "sandbox-pg");
    const sandboxPg = await startEmbeddedPostgres({ dataDir: partial.sandboxDir, database: "provider" });
    const sandboxAdmin = new pg.Client({ connectionString: sandboxPg.url });
    await sandboxAdmin.connect();
    Object.assign(partial, { sandboxPg, sandboxAdmin });

    const [openaiKey, togetherKey] = [randomKey("sk-bench"), randomKey("bench-together")];
    const child = track(
      spawn(NODE, ["--import", "tsx", "tests/bench/scale-sandbox.ts"], {
        cwd: ROOT,
        env: childEnv({
          SCALE_SANDBOX_DATABASE_URL: sandboxPg.url,
          SCALE_SANDBOX_OPENAI_KEY: openaiKey,
          SCALE_SANDBOX_TOGETHER_KEY: togetherKey,
          SCALE_SANDBOX_CONTROL_TOKEN: randomKey("control"),
          SCALE_SANDBOX_TIMINGS: JSON.stringify(OPENAI_TIMINGS),
          SCALE_SANDBOX_TOGETHER_TIMINGS: JSON.stringify(TOGETHER_TIMINGS),
        }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "provider",
      output,
    );
    const ready = await linePrinted(child, /READY (\{.*\})/, 60_000, "the sandbox process");
    const urls = JSON.parse(ready[1] ?? "{}") as { openai: string; together: string; log: string };
    partial.provider = { child, ...urls, openaiKey, togetherKey };

    // A connection with the fewest golden records a job may have (10: no validation file, the fewest provider calls).
    const { rows } = await admin.query<{ id: string }>(
      `INSERT INTO db_connections (id, alias, dialect, schema_text, updated_at)
       VALUES (uuidv7(), 'bench-scale', 'postgresql', 'CREATE TABLE orders (id int primary key, total numeric, created_at timestamptz);', now()) RETURNING id`,
    );
    partial.connectionId = rows[0]!.id;
    const golden = await admin.query<{ id: string }>(
      `INSERT INTO golden_records (id, db_connection_id, question, sql)
       SELECT uuidv7(), $1, 'How many orders were placed on day ' || g || '?', 'SELECT count(*) FROM orders WHERE created_at::date = DATE ''2024-01-01'' + ' || g || ';'
       FROM generate_series(1, $2::int) AS g RETURNING id`,
      [partial.connectionId, GOLDEN_RECORDS],
    );
    partial.goldenIds = golden.rows.map((r) => r.id);
    partial.key = await cliApiKey(embedded.url);

    const env = partial as Env;
    env.app = await startApp(env, "app");
    env.worker = await startWorkerProcess(env, "worker");
    log(`scale ${label}: app ${env.app.pid}, worker ${env.worker.pid}, provider ${child.pid} (OpenAI budget ${budgets.openai}/s)`);
    return env;
  } catch (error) {
    if (output.length) console.error(`last lines of the scale environment's output:\n${output.slice(-30).join("\n")}`);
    await stopEnv(partial);
    throw error;
  }
}

/** An operator API key, made by the product's own CLI (`npm run cli -- api-key create`). */
export async function cliApiKey(databaseUrl: string): Promise<string> {
  const child = spawn(NODE, ["--import", "tsx", "scripts/cli.ts", "api-key", "create", "--name", "bench-scale", "--role", "operator"], {
    cwd: ROOT,
    env: childEnv({ NODE_ENV: "production", DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: SECRET }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child, "cli");
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const key = out.trim().split("\n").at(-1)?.trim() ?? "";
  if (code !== 0 || !key) throw new Error(`the CLI made no API key (exit ${code}): ${err.slice(-1000)}`);
  return key;
}

export async function stopEnv(env: Partial<Env>): Promise<void> {
  await Promise.all([...(env.extra ?? []), env.worker?.child, env.app?.child].map((child) => stopChild(child)));
  await stopChild(env.provider?.child);
  await env.admin?.end().catch(() => {});
  await env.sandboxAdmin?.end().catch(() => {});
  await env.product?.stop().catch(() => {});
  await env.sandboxPg?.stop().catch(() => {});
  if (env.tmp) await rm(env.tmp, { recursive: true, force: true });
}

// ---------- what the provider saw ----------

/** Every provider request so far (read whole each time: a request's answer time is filled in when it is sent). */
export async function fetchHits(env: Env): Promise<Hit[]> {
  const res = await fetch(`${env.provider.log}/hits?from=0`);
  const body = (await res.json()) as { next: number; hits: Hit[] };
  env.hits = body.hits;
  return env.hits;
}

/** How long the provider took to answer, per route, for requests that arrived in the window. */
export function providerLatency(
  hits: Hit[],
  fromMs: number,
  toMs: number,
): Record<string, { n: number; p50: number; p99: number; max: number }> {
  const byRoute = new Map<string, number[]>();
  for (const hit of hits) {
    if (hit[0] < fromMs || hit[0] >= toMs || hit[4] < 0) continue;
    const list = byRoute.get(routeOf(hit)) ?? [];
    list.push(hit[4]);
    byRoute.set(routeOf(hit), list);
  }
  return Object.fromEntries(
    [...byRoute.entries()]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([route, ms]) => {
        const s = stats(ms);
        return [route, { n: s.n, p50: s.p50, p99: s.p99, max: s.max }];
      }),
  );
}

export function callRate(hits: Hit[], front: 0 | 1, fromMs: number, toMs: number, budget: number): CallRate {
  const times = hits.filter((h) => h[1] === front && h[0] >= fromMs && h[0] < toMs).map((h) => h[0]);
  const seconds = Math.max(0.001, (toMs - fromMs) / 1000);
  const bySecond = new Map<number, number>();
  for (const t of times) bySecond.set(Math.floor(t / 1000), (bySecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  let busiestSliding = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= 1_000) start++;
    busiestSliding = Math.max(busiestSliding, end - start + 1);
  }
  return {
    calls: times.length,
    seconds: round(seconds, 1) ?? 0,
    mean: round(times.length / seconds, 2) ?? 0,
    busiestSecond: Math.max(0, ...bySecond.values()),
    busiestSliding,
    budget,
  };
}

const ROUTE_IDS = /\/((ftjob|file|ftevent|ftckpt|ft)-[A-Za-z0-9_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g;
export const routeOf = (hit: Hit) => `${hit[1] === 0 ? "openai" : "together"} ${hit[2]} ${hit[3].replace(ROUTE_IDS, "/{id}")}`;

/** When the provider job `id` was read (its GET), after `fromMs` and before `toMs`. */
/**
 * When the provider job `id` was read, after `fromMs` and before `toMs`: its
 * GET, or a GET of `listPath` (a list that shows every job's status, as
 * Together's does; OpenAI's pages of 100 cannot be told apart, and show no
 * steps or costs).
 */
export function readsOf(hits: Hit[], id: string, fromMs: number, toMs: number, listPath?: string): number[] {
  return hits
    .filter((h) => h[2] === "GET" && h[0] >= fromMs && h[0] < toMs && (h[3].endsWith(`/${id}`) || h[3] === listPath))
    .map((h) => h[0]);
}

/** Intervals between reads from `start` to `end`; the last one is open (the view's age at `end`). */
export function intervals(start: number, reads: number[], end: number): number[] {
  const points = [start, ...reads.filter((t) => t > start && t < end), end];
  return points.slice(1).map((t, i) => (t - points[i]!) / 1000);
}

export function censored(values: number[], censoredCount = 0): Censored {
  return { ...stats(values), censored: censoredCount };
}

/** BENCH_SCALE_HITS_DIR: every provider request of the run, and which product job is which provider job, for a closer look. */
export async function dumpHits(env: Env, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { rows } = await env.admin.query<{ id: string; alias: string; pid: string | null }>(
    "SELECT id::text, alias, finetuning_job_id AS pid FROM finetuning_jobs WHERE finetuning_job_id IS NOT NULL",
  );
  const file = path.join(dir, `scale-${env.label}-hits.json`);
  await writeFile(file, JSON.stringify({ jobs: rows, hits: env.hits }));
  log(`scale ${env.label}: provider requests written to ${file}`);
}

// ---------- metrics ----------

export type Series = { name: string; labels: Record<string, string>; value: number };

export async function scrape(url: string): Promise<Series[]> {
  const text = await fetch(url, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.text())
    .catch(() => "");
  const out: Series[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

/** The staleness histogram's growth between two scrapes, per need: observations, and the bucket bound holding the 99th. */
export function stalenessHistogram(before: Series[], after: Series[]): Record<string, { n: number; p99UpperS: number | null }> {
  const buckets = (series: Series[]) =>
    series
      .filter((s) => s.name === "job_poll_staleness_seconds_bucket")
      .map((s) => ({ need: s.labels.need ?? "", le: s.labels.le ?? "", value: s.value }));
  const was = new Map(buckets(before).map((b) => [`${b.need}|${b.le}`, b.value]));
  const grown = new Map<string, Array<{ le: number; n: number }>>();
  for (const b of buckets(after)) {
    const n = b.value - (was.get(`${b.need}|${b.le}`) ?? 0);
    const list = grown.get(b.need) ?? [];
    list.push({ le: b.le === "+Inf" ? Infinity : Number(b.le), n });
    grown.set(b.need, list);
  }
  const out: Record<string, { n: number; p99UpperS: number | null }> = {};
  for (const [need, list] of grown) {
    list.sort((a, b) => a.le - b.le);
    const total = list.at(-1)?.n ?? 0;
    if (total <= 0) continue;
    const at = list.find((b) => b.n >= 0.99 * total)?.le ?? Infinity;
    out[need] = { n: total, p99UpperS: Number.isFinite(at) ? at : null };
  }
  return out;
}

export const stepsTaken = (series: Series[]) =>
  series.filter((s) => s.name === "worker_step_duration_seconds_count").reduce((sum, s) => sum + s.value, 0);

// ---------- the API ----------

export async function api(env: Env, method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${env.app.baseUrl}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${env.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export async function inBatches<T>(items: T[], concurrency: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await each(items[next++] as T);
    }),
  );
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

// ---------- seeding ----------

export type Shape = typeof QUIET_SHAPE;
export type Seeded = { id: string; alias: string; providerJobId: string; stageStartedMs: number; shape: Shape };

/** The sandbox clock (wall time minus the time no sandbox front was up), as the sandbox reads it. */
export async function sandboxOffsetMs(env: Env, schema = "sandbox"): Promise<number> {
  const { rows } = await env.sandboxAdmin.query<{ offset_ms: string }>(`SELECT offset_ms FROM ${schema}.config WHERE id = 1`);
  return Number(rows[0]?.offset_ms ?? 0);
}

const sandboxId = (prefix: string) => `${prefix}-${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`;

/** Where each provider's sandbox keeps its jobs, and how its ids and jobs look. */
const FRONTS = {
  openai: {
    schema: "sandbox",
    model: MODEL,
    jobId: () => sandboxId("ftjob"),
    fileId: () => sandboxId("file"),
    eventId: (jobId: string) => `${jobId.replace("ftjob-", "ftevent-")}`,
  },
  together: {
    schema: "sandbox_together",
    model: PROVIDER_CAPABILITIES.together.models[0],
    jobId: () => randomUUID(),
    fileId: () => `file-${randomUUID()}`,
    eventId: (jobId: string) => `${jobId}-seeded-0`,
  },
} as const;

/**
 * Running jobs as the product and the sandbox would hold them had the product
 * created them and read them until a while ago: each product row names its
 * sandbox job and training file, and the last provider event it has seen
 * ("Fine-tuning job started"); the sandbox job is `trained` of its hour in.
 * The product has never read them (provider_polled_at is null), so its worker
 * takes them up as it would after a restart.
 */
export async function seedRunning(
  env: Env,
  specs: Array<{ alias: string; shape: Shape; trained: number }>,
  provider: keyof typeof FRONTS = "openai",
): Promise<Seeded[]> {
  const front = FRONTS[provider];
  const offsetMs = await sandboxOffsetMs(env, front.schema);
  const nowMs = Date.now() - offsetMs;
  const wall = (sandboxMs: number) => Math.floor((sandboxMs + offsetMs) / 1000);
  const jobs = specs.map((spec) => {
    const stageStartedMs = Math.round(nowMs - spec.trained * RUNNING_MS);
    const total = spec.shape.examples * spec.shape.epochs;
    const providerJobId = front.jobId();
    return {
      ...spec,
      providerJobId,
      fileId: front.fileId(),
      eventId: front.eventId(providerJobId),
      stageStartedMs,
      total,
      step: Math.max(1, Math.floor(spec.trained * total)),
      estimatedFinish: new Date(Math.ceil((stageStartedMs + RUNNING_MS + offsetMs) / 1000) * 1000).toISOString(),
    };
  });
  const seeded: Seeded[] = [];
  for (let at = 0; at < jobs.length; at += 2_000) {
    const chunk = jobs.slice(at, at + 2_000);
    const { rows } = await env.admin.query<{ id: string; alias: string }>(
      `INSERT INTO finetuning_jobs (id, alias, db_connection_id, status, model_provider, model_name, model_parameters,
         finetuning_file_id, finetuning_job_id, golden_records, created_by, created_at, updated_at, provider_status,
         step, total_steps, training_file_tokens, last_provider_event_id, estimated_finish)
       SELECT uuidv7(), r->>'alias', $1, 'running', $5, $2, jsonb_build_object('n_epochs', (r->'shape'->>'epochs')::int),
         r->>'fileId', r->>'providerJobId', $3::uuid[], 'bench', now() - interval '20 minutes', now() - interval '15 minutes', 'running',
         (r->>'step')::int, (r->>'total')::int, (r->'shape'->>'tokens')::int, r->>'eventId', (r->>'estimatedFinish')::timestamptz
       FROM jsonb_array_elements($4::jsonb) AS r
       RETURNING id::text AS id, alias`,
      [env.connectionId, front.model, env.goldenIds, JSON.stringify(chunk), provider],
    );
    const idOf = new Map(rows.map((r) => [r.alias, r.id]));
    const files: FileRecord[] = [];
    const records: JobRecord[] = [];
    const events: Array<{ job_id: string; data: EventJson }> = [];
    for (const [i, job] of chunk.entries()) {
      const productId = idOf.get(job.alias)!;
      files.push({
        id: job.fileId,
        filename: `${productId}.jsonl`,
        purpose: "fine-tune",
        bytes: 2_048,
        createdAt: wall(job.stageStartedMs - 2_000),
        createdMs: job.stageStartedMs - 2_000,
        verdict: { ok: true, examples: job.shape.examples, tokens: job.shape.tokens },
        deleted: false,
      });
      records.push({
        model: front.model,
        trainingFile: job.fileId,
        validationFile: null,
        suffix: job.alias.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 18),
        // OpenAI's jobs carry our job id (the product looks a job up by it); Together's carry no metadata.
        metadata: provider === "openai" ? { [JOB_ID_METADATA_KEY]: productId } : null,
        hyperparameters: { n_epochs: job.shape.epochs, batch_size: 1, learning_rate_multiplier: provider === "openai" ? 2 : "auto" },
        seed: at + i,
        continuedFrom: null,
        id: job.providerJobId,
        examples: job.shape.examples,
        tokens: job.shape.tokens,
        createdAt: wall(job.stageStartedMs - 1_000),
        status: "running",
        stageStartedMs: job.stageStartedMs,
        ...NOT_STARTED,
        step: job.step,
        ...(provider === "together" ? { together: { learningRate: 0.00001, lora: true, nEvals: 0, fromCheckpoint: null } } : {}),
      });
      events.push({
        job_id: job.providerJobId,
        data: {
          id: job.eventId,
          object: "fine_tuning.job.event",
          created_at: wall(job.stageStartedMs),
          level: "info",
          message: "Fine-tuning job started",
          type: "message",
          data: {},
        },
      });
      seeded.push({
        id: productId,
        alias: job.alias,
        providerJobId: job.providerJobId,
        stageStartedMs: job.stageStartedMs,
        shape: job.shape,
      });
    }
    await env.sandboxAdmin.query(
      `INSERT INTO ${front.schema}.files (id, data, content) SELECT f->>'id', f, $2::bytea FROM jsonb_array_elements($1::jsonb) AS f`,
      [JSON.stringify(files), Buffer.alloc(2_048, 0x20)],
    );
    await env.sandboxAdmin.query(
      `INSERT INTO ${front.schema}.jobs (id, data) SELECT j->>'id', j FROM jsonb_array_elements($1::jsonb) AS j`,
      [JSON.stringify(records)],
    );
    await env.sandboxAdmin.query(
      `INSERT INTO ${front.schema}.events (job_id, data) SELECT e->>'job_id', e->'data' FROM jsonb_array_elements($1::jsonb) AS e`,
      [JSON.stringify(events)],
    );
  }
  return seeded;
}

/**
 * The seeded rows' price and billed epochs, as the product records them at
 * create (the list's cost order and the guardrails' nearness read them): the
 * price is the product's own, read from its answer for a seeded job.
 */
export async function recordPrice(env: Env, anyJobId: string): Promise<number> {
  const { status, body } = await api(env, "GET", `/finetunings/${anyJobId}`);
  const price = (body as { cost?: { usd_per_1m_training_tokens?: number | null } } | null)?.cost?.usd_per_1m_training_tokens;
  if (status !== 200 || typeof price !== "number")
    throw new Error(`no price for ${MODEL} in the product's answer (${status}): ${JSON.stringify(body)}`);
  await env.admin.query(
    `UPDATE finetuning_jobs SET usd_per_1m_training_tokens = $1, billed_epochs = (model_parameters->>'n_epochs')::int
     WHERE alias LIKE 'scale-%' AND model_provider = 'openai' AND finetuning_job_id IS NOT NULL`,
    [price],
  );
  return price;
}

// ---------- CPU ----------

/**
 * What the product's Postgres is busy with: every 250 ms, the statements its
 * client backends are running (first 100 characters), from a connection of
 * its own; answers the most seen, each as a share of the samples.
 */
export function sampleActiveStatements(env: Env): { stop(): Promise<Array<{ statement: string; share: number }>> } {
  const seen = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await env.admin
        .query<{ q: string }>(
          `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS q FROM pg_stat_activity
           WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database()`,
        )
        .catch(() => ({ rows: [] as Array<{ q: string }> }));
      samples++;
      for (const { q } of rows) seen.set(q, (seen.get(q) ?? 0) + 1);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([statement, n]) => ({ statement, share: round(n / Math.max(1, samples), 2) ?? 0 }));
    },
  };
}

export type CpuMark = { at: number; app: number; worker: number; postgres: number; provider: number; bench: number; machine: number };

export const cpuMark = (env: Env): CpuMark => {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    app: cpuMsOf(env.app.pid),
    worker: cpuMsOf(env.worker.pid),
    postgres: postgresCpuMs(env.productDir),
    provider: cpuMsOf(env.provider.child.pid ?? 0) + postgresCpuMs(env.sandboxDir),
    bench: (own.user + own.system) / 1000,
    machine: machineBusyMs(),
  };
};

/** CPUs busy between two marks: the product's processes, and (not counted as the product's) the provider, this process and everything else on the machine. */
export function cpuWindow(a: CpuMark, b: CpuMark): CpuWindow {
  const ms = b.at - a.at;
  const cores = (x: number) => round(x / ms, 3) ?? 0;
  const product = b.app - a.app + b.worker - a.worker + b.postgres - a.postgres;
  return {
    seconds: round(ms / 1000, 1) ?? 0,
    appCores: cores(b.app - a.app),
    workerCores: cores(b.worker - a.worker),
    postgresCores: cores(b.postgres - a.postgres),
    productCores: cores(product),
    providerCores: cores(b.provider - a.provider),
    benchCores: cores(b.bench - a.bench),
    othersCores: cores(Math.max(0, b.machine - a.machine - product - (b.provider - a.provider) - (b.bench - a.bench))),
    machineCores: cores(b.machine - a.machine),
  };
}

// ---------- the live feed ----------

/** Tolerated by the client: how long a subscriber may take before a change counts as missed by it. */
const FEED_WAIT_MS = 10_000;

export type Feed = { status: number; seen: Array<[number, string]>; close(): Promise<void> };

/** One subscriber of the app's live feed, read as a browser's EventSource reads it: [arrival ms, job id] per change. */
export async function openFeed(env: Env): Promise<Feed> {
  const controller = new AbortController();
  const res = await fetch(`${env.app.baseUrl}/api/trpc/finetuning.onChange?input=${encodeURIComponent("{}")}`, {
    headers: { authorization: `Bearer ${env.key}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  const seen: Array<[number, string]> = [];
  const reading = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      const at = Date.now();
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        let data: string | undefined;
        let named = false;
        for (const line of buffer.slice(0, end).split("\n")) {
          if (line.startsWith("data: ")) data = line.slice(6);
          if (line.startsWith("event: ")) named = true;
        }
        buffer = buffer.slice(end + 2);
        if (data && !named) {
          const id = (JSON.parse(data) as { id?: string }).id;
          if (id) seen.push([at, id]);
        }
      }
    }
  })();
  return {
    status: res.status,
    seen,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

/**
 * Changes `jobIds`' metadata one at a time (300 ms apart) and answers, per
 * change, how long until the last of `feeds` had it (a change some subscriber
 * never had within FEED_WAIT_MS counts as that long and as missed), and how
 * many subscribers had it within `withinMs`.
 */
export async function feedRound(
  env: Env,
  feeds: Feed[],
  jobIds: string[],
  withinMs: number,
): Promise<{ latencyMs: Censored; subscribersWithinTarget: Stats; changes: number; eventIdsSkipped: number }> {
  const logIds = async () =>
    (await env.admin.query<{ top: string; n: string }>("SELECT coalesce(max(id), 0)::text AS top, count(*)::text AS n FROM job_events"))
      .rows[0]!;
  const before = await logIds();
  const sent: Array<{ id: string; at: number }> = [];
  for (const [k, id] of jobIds.entries()) {
    const at = Date.now();
    const { status } = await api(env, "PUT", `/finetunings/${id}`, { metadata: { bench: `change-${k}-${at}` } });
    if (status === 200) sent.push({ id, at });
    await sleep(300);
  }
  const arrival = (feed: Feed, change: { id: string; at: number }) => feed.seen.find(([t, id]) => id === change.id && t >= change.at)?.[0];
  const lastOf = (change: { id: string; at: number }) => {
    let last = 0;
    for (const feed of feeds) {
      const at = arrival(feed, change);
      if (at === undefined) return null;
      last = Math.max(last, at);
    }
    return last - change.at;
  };
  await until(() => Promise.resolve(sent.every((c) => lastOf(c) !== null)), FEED_WAIT_MS, 100);
  let missed = 0;
  const latencies = sent.map((change) => {
    const ms = lastOf(change);
    if (ms !== null) return ms;
    missed++;
    return Date.now() - change.at;
  });
  const within = sent.map((change) => feeds.filter((f) => (arrival(f, change) ?? Infinity) - change.at <= withinMs).length);
  const after = await logIds();
  const eventIdsSkipped = Number(BigInt(after.top) - BigInt(before.top) - (BigInt(after.n) - BigInt(before.n)));
  return { latencyMs: censored(latencies, missed), subscribersWithinTarget: stats(within), changes: sent.length, eventIdsSkipped };
}

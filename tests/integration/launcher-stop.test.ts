import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupAlive, groupMembers, killGroup, until } from "../helpers/processes";
import { startLauncher, type Launcher } from "../helpers/start-command";

// `npm start` as a person runs it, on an embedded Postgres of its own
// (DATA_DIR), stopped as a terminal stops it (SIGTERM to its process group).
// The cases run in order on one data folder: each start takes a while on a
// busy machine, so the later cases use the launcher the first one leaves up,
// and the API key the first one makes.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHUTDOWN_TIMEOUT_MS = 3_000;
const EXIT_STOPPED_OR_CUT_SHORT = [0, 3];

let dir = "";
let dataDir = "";
let port = 0;
const launchers: Launcher[] = [];
let current: Launcher | undefined;
let headers: Record<string, string> = {};

/** A job as GET /api/v1/finetunings lists it: the fields these cases read. */
type ListedJob = {
  id: string;
  status: string;
  finished_at: string | null;
  finetuning_job_id: string | null;
  model_id: string | null;
  base_llm: { model_provider: string };
  progress: { step: number; total_steps: number | null } | null;
};
/** A job as a sandbox's control API lists it. */
type SandboxJob = { id: string; metadata: Record<string, string> | null; user_provided_suffix: string | null };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function launch(throughReader = false, sandboxTimings?: Record<string, number>): Launcher {
  const launcher = startLauncher({ dataDir, port, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS, throughReader, sandboxTimings });
  launchers.push(launcher);
  return launcher;
}

/** An operator's API key from the CLI, which attaches to the launcher's database and leaves it running when it exits. */
async function createApiKey(): Promise<string> {
  const cli = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/cli.ts", "api-key", "create", "--name", "launcher-test", "--role", "operator"],
    {
      cwd: ROOT,
      env: { ...withoutDatabaseUrl(), DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let key = "";
  cli.stdout.on("data", (chunk: Buffer) => (key += chunk.toString()));
  expect(await new Promise((resolve) => cli.once("exit", resolve))).toBe(0);
  return key.trim();
}

async function listJobs(): Promise<ListedJob[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/finetunings?limit=100`, { headers, signal: AbortSignal.timeout(60_000) });
  if (res.status !== 200) throw new Error(`GET /api/v1/finetunings: ${res.status} ${await res.text()}`);
  return (await res.json()) as ListedJob[]; // REST answers a page's items (the next page is in the Link header)
}

/** Polls the list until each job of `ids` holds `done`; fails at once when one of them fails or is cancelled. */
async function untilEach(ids: Set<string>, done: (job: ListedJob) => boolean, what: string): Promise<ListedJob[]> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const jobs = (await listJobs()).filter((job) => ids.has(job.id));
    if (jobs.length === ids.size && jobs.every(done)) return jobs;
    const ended = jobs.find((job) => job.status === "failed" || job.status === "cancelled");
    if (ended) throw new Error(`${what}: job ${ended.id} is ${ended.status}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within 180 s: ${JSON.stringify(jobs.map((j) => [j.id, j.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every job a sandbox of the running launcher holds, read on its control API (the URL it printed, the token in DATA_DIR). */
async function sandboxJobs(launcher: Launcher, which: "OpenAI" | "Together"): Promise<SandboxJob[]> {
  const origin = new RegExp(`local ${which} sandbox at (http://\\S+?)/v1`).exec(launcher.output())?.[1];
  if (!origin) throw new Error(`the launcher did not say where its ${which} sandbox is: ${launcher.output()}`);
  const token = (await readFile(path.join(dataDir, "sandbox-control-token"), "utf8")).trim();
  const res = await fetch(`${origin}/_sandbox/jobs`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${origin}/_sandbox/jobs: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: SandboxJob[] }).data;
}

async function postmasterPid(): Promise<number | null> {
  const text = await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").catch(() => null);
  return text === null ? null : Number(text.split("\n")[0]);
}

async function databaseAnswers(): Promise<boolean> {
  const settings = JSON.parse(await readFile(path.join(dataDir, "postgres", "embedded-postgres.json"), "utf8")) as {
    user: string;
    password: string;
    port: number;
  };
  const client = new pg.Client({
    host: "127.0.0.1",
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: "controlroom",
  });
  try {
    await client.connect();
    return (await client.query<{ one: number }>("select 1 as one")).rows[0]?.one === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return env;
}

async function status(pathname: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, { headers, signal: AbortSignal.timeout(60_000) });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "controlroom-launcher-"));
  await chmod(dir, 0o711); // the server runs as the `postgres` user when we are root
  dataDir = path.join(dir, "data");
  port = await freePort();
});

afterAll(async () => {
  const postgres = await postmasterPid();
  for (const launcher of launchers) {
    killGroup(launcher.pid);
    launcher.reader?.kill("SIGKILL");
  }
  if (postgres) killGroup(postgres, "SIGQUIT");
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("npm start, stopped", () => {
  it("comes up right after a stop, three times in a row, and carries the seeded jobs of both providers on to their end", async () => {
    current = launch();
    await current.printed(/Ready: /);
    headers = { authorization: `Bearer ${await createApiKey()}` };
    expect(await databaseAnswers()).toBe(true);

    // A fresh data folder: the seed's queued jobs, at OpenAI and at Together AI (both local sandboxes), all reach running.
    const queued = (await listJobs()).filter((job) => job.finished_at === null);
    expect(new Set(queued.map((job) => job.base_llm.model_provider))).toEqual(new Set(["openai", "together"]));
    const ids = new Set(queued.map((job) => job.id));
    const running = await untilEach(ids, (job) => job.status === "running", "the seeded jobs running");
    const before = new Map(running.map((job) => [job.id, job]));
    for (const job of before.values()) {
      expect(job.finetuning_job_id).not.toBeNull();
      expect(job.progress?.step ?? 0).toBeLessThan(job.progress?.total_steps ?? Infinity);
    }

    for (let round = 1; round <= 3; round++) {
      const previous = current;
      process.kill(-previous.pid, "SIGTERM");
      // The last one's output goes through a reader, for the case below; it
      // also sets a short training time, so the jobs it carries on end soon.
      current = round === 3 ? launch(true, { runningMs: 20_000 }) : launch();
      await current.printed(/Ready: /);
      expect(EXIT_STOPPED_OR_CUT_SHORT).toContain(await previous.exited);
      expect(await status("/api/health")).toBe(200);
    }

    // The jobs of both providers ran on under the last start: the same
    // provider jobs, read to their last step, each succeeded with its model.
    const ended = await untilEach(ids, (job) => job.status === "succeeded", "the seeded jobs succeeded");
    for (const job of ended) {
      const was = before.get(job.id);
      expect(job.finetuning_job_id).toBe(was?.finetuning_job_id);
      expect(job.model_id).not.toBeNull();
      expect(job.progress?.step).toBe(job.progress?.total_steps);
      expect(job.progress?.step).toBeGreaterThan(was?.progress?.step ?? 0);
    }
    // No job was made twice at either provider: each sandbox holds exactly ours, once.
    const at = (provider: string) =>
      ended
        .filter((job) => job.base_llm.model_provider === provider)
        .map((job) => [job.id, job.finetuning_job_id])
        .sort();
    const openai = await sandboxJobs(current, "OpenAI");
    expect(openai.map((job) => [job.metadata?.["controlroom_job_id"], job.id]).sort()).toEqual(at("openai"));
    const together = await sandboxJobs(current, "Together");
    expect(together.map((job) => [job.user_provided_suffix?.replace(/^cr-/, ""), job.id]).sort()).toEqual(at("together"));
  }, 1_200_000);

  it("a second npm start on the same data is refused with the first one's pid and port, and the first one's database keeps serving", async () => {
    const first = current as Launcher;
    const second = launch();
    expect(await second.exited).toBe(4);
    expect(second.output()).toContain(`npm start (pid ${first.pid}, port ${port})`);
    expect(first.child.exitCode).toBeNull();
    expect(await databaseAnswers()).toBe(true);
    expect(await status("/api/health")).toBe(200);
  }, 300_000);

  it("with jobs moving, live feeds open and its log reader gone first, SIGTERM leaves nothing behind within SHUTDOWN_TIMEOUT_MS + 5 s", async () => {
    const launcher = current as Launcher;
    const origin = `http://127.0.0.1:${port}`;
    const feeds = new AbortController();
    const seen: string[] = ["", "", ""];
    const reading = seen.map(async (_, i) => {
      const res = await fetch(`${origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent("{}")}`, {
        headers,
        signal: feeds.signal,
      });
      const body = res.body?.getReader();
      const decoder = new TextDecoder();
      for (let chunk = await body?.read(); chunk && !chunk.done; chunk = await body?.read()) seen[i] += decoder.decode(chunk.value);
    });
    for (const feed of reading) feed.catch(() => {});
    const connections = (await (await fetch(`${origin}/api/v1/database-connections`, { headers })).json()) as Array<{ id: string }>;
    const created = await fetch(`${origin}/api/v1/finetunings`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ db_connection_id: connections[0]?.id }),
    });
    expect(created.status).toBe(201);
    const job = (await created.json()) as { id: string };
    await until(() => seen.every((text) => text.includes(job.id)), 120_000, "every feed sees the new job move");

    // The reader goes first; then the app writes (Next logs the page request
    // it compiles, and the shutdown that request is still in when it comes).
    launcher.reader?.kill("SIGKILL");
    await new Promise((resolve) => launcher.reader?.once("exit", resolve));
    void fetch(`${origin}/sign-in`, { signal: AbortSignal.timeout(120_000) }).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Writing to the broken pipe neither spins (it still answers) nor crashes.
    expect(await status("/api/health")).toBe(200);
    expect(launcher.child.exitCode).toBeNull();

    const postgres = await postmasterPid();
    expect(postgres).not.toBeNull();
    process.kill(-launcher.pid, "SIGTERM");
    const left = () => [...groupMembers(launcher.pid), ...groupMembers(postgres as number)];
    await until(
      () => !groupAlive(launcher.pid) && !groupAlive(postgres as number),
      SHUTDOWN_TIMEOUT_MS + 5_000,
      "the launcher, its worker, sandbox and Postgres all gone",
    ).catch((error: Error) => {
      throw new Error(`${error.message}; left: ${left().join("; ")}`);
    });
    feeds.abort();
    expect(EXIT_STOPPED_OR_CUT_SHORT).toContain(await launcher.exited);
  }, 600_000);
});

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
// busy machine, so the later cases use the launcher the first one leaves up.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHUTDOWN_TIMEOUT_MS = 3_000;
const EXIT_STOPPED_OR_CUT_SHORT = [0, 3];

let dir = "";
let dataDir = "";
let port = 0;
const launchers: Launcher[] = [];
let current: Launcher | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function launch(throughReader = false): Launcher {
  const launcher = startLauncher({ dataDir, port, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS, throughReader });
  launchers.push(launcher);
  return launcher;
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
  it("comes up right after a stop, three times in a row", async () => {
    current = launch();
    await current.printed(/Ready: /);
    for (let round = 1; round <= 3; round++) {
      const previous = current;
      process.kill(-previous.pid, "SIGTERM");
      // The last one's output goes through a reader, for the case below.
      current = launch(round === 3);
      await current.printed(/Ready: /);
      expect(EXIT_STOPPED_OR_CUT_SHORT).toContain(await previous.exited);
      expect(await status("/api/health")).toBe(200);
    }
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
    // A key from the CLI, which attaches to the launcher's database and leaves it running when it exits.
    const cli = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/cli.ts", "api-key", "create", "--name", "feeds", "--role", "operator"],
      {
        cwd: ROOT,
        env: { ...withoutDatabaseUrl(), DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let key = "";
    cli.stdout.on("data", (chunk: Buffer) => (key += chunk.toString()));
    expect(await new Promise((resolve) => cli.once("exit", resolve))).toBe(0);
    const headers = { authorization: `Bearer ${key.trim()}` };
    expect(await databaseAnswers()).toBe(true);

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

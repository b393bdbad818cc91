import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardLogStream } from "../../server/launch/log-streams";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { killGroup, until } from "../helpers/processes";
import { waitFor } from "../helpers/worker";

// When the reader of a process's output goes away, every write to stdout and
// stderr fails with EPIPE. The processes neither spin on it nor crash: they
// carry on without that output, and stop as usual.

const ROOT = path.resolve(import.meta.dirname, "../..");
const started: ChildProcess[] = [];
let sandbox: Sandbox;
let dir = "";

beforeAll(async () => {
  sandbox = await startSandbox({ timings: { fileProcessingMs: 100, validatingMs: 200, queuedMs: 200, runningMs: 60_000 } });
  dir = await mkdtemp(path.join(tmpdir(), "controlroom-log-streams-"));
});
afterAll(async () => {
  for (const child of started) if (child.pid) killGroup(child.pid);
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
}

/** A script of the product whose stdout and stderr lead to a reader that is already gone. */
function startWithoutReader(
  args: string[],
  env: Record<string, string | undefined>,
): { child: ChildProcess; exited: Promise<number | null> } {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    env: merged,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  child.stdout?.destroy();
  child.stderr?.destroy();
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("a log stream whose every write fails", () => {
  it("is written to once, whether the failure is thrown or reported; later writes are dropped and nothing is uncaught", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      let reported = 0;
      const reporting = new Writable({ write: (_chunk, _encoding, callback) => (reported++, callback(epipe())) });
      let thrown = 0;
      const throwing = new Writable({ write: (_chunk, _encoding, callback) => callback() });
      throwing.write = () => {
        thrown++;
        throw epipe();
      };
      let notes = "";
      const other = new Writable({ write: (chunk: Buffer, _encoding, callback) => ((notes += chunk.toString()), callback()) });
      guardLogStream(reporting, "stdout", other);
      guardLogStream(throwing, "stderr", other);

      let callbacks = 0;
      for (let i = 0; i < 10_000; i++) {
        reporting.write(`line ${i}\n`, () => callbacks++);
        throwing.write(`line ${i}\n`);
      }
      await until(() => callbacks === 10_000, 10_000, "every write's callback ran");
      expect(reported).toBe(1);
      expect(thrown).toBe(1);
      expect(notes.trim().split("\n").sort()).toEqual([
        "stderr: its reader went away (EPIPE); nothing more is written to it",
        "stdout: its reader went away (EPIPE); nothing more is written to it",
      ]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });

  it("npm run worker: runs, and on SIGTERM finishes and exits 0", async () => {
    const { db } = await import("../../server/db");
    const { child, exited } = startWithoutReader(["scripts/worker.ts"], {
      OPENAI_API_KEY: "sk-sandbox",
      OPENAI_BASE_URL: sandbox.url,
      SHUTDOWN_TIMEOUT_MS: "3000",
      METRICS_PORT: undefined,
    });
    const beat = await waitFor(
      () => db().workerHeartbeat.findFirst({ where: { pid: child.pid } }),
      (row) => row !== null,
      120_000,
    );
    expect(beat).not.toBeNull();
    // It printed that it runs (to nobody) a moment after its first beat.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await db().workerHeartbeat.count({ where: { pid: child.pid } })).toBe(0);
  }, 180_000);

  it("npm run sandbox: serves, and on SIGTERM closes and exits 0", async () => {
    const port = await freePort();
    const { child, exited } = startWithoutReader(
      ["server/provider/sandbox/main.ts", "--port", String(port), "--token-file", path.join(dir, "token")],
      { SANDBOX_CONTROL_TOKEN: undefined },
    );
    await until(
      () =>
        fetch(`http://127.0.0.1:${port}/v1/files`).then(
          () => true,
          () => false,
        ),
      120_000,
      "the sandbox answers",
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 180_000);
});

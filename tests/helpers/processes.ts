import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Variables over the test's own environment; `undefined` removes one (e.g. OPENAI_API_KEY, for the local sandbox). */
export type ChildEnv = Record<string, string | undefined>;

/**
 * A process with no OpenAI key serves its own front of the local sandbox over
 * `databaseUrl` (with these timings), as `npm start`/`npm run worker` do; no
 * metrics listener per process.
 */
export function localSandboxEnv({
  databaseUrl,
  timings,
  pollMs,
}: {
  databaseUrl: string;
  timings: Record<string, number>;
  pollMs: number;
}): ChildEnv {
  return {
    DATABASE_URL: databaseUrl,
    SANDBOX_TIMINGS: JSON.stringify(timings),
    WORKER_POLL_MS: String(pollMs),
    // A budget the local sandbox can take: these tests are about failures, not the provider's rate.
    PROVIDER_MAX_RPS_OPENAI: "200",
    PROVIDER_MAX_RPS_TOGETHER: "200",
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    METRICS_PORT: undefined,
  };
}

/**
 * The product's real scripts (`npm run worker`, an app) run as child processes
 * by a test, each with its stderr forwarded under its name. `stopAll` in
 * afterAll ends the ones still running.
 */
export function processGroup() {
  const children: ChildProcess[] = [];

  function start(script: string, env: ChildEnv, name = "worker"): ChildProcess {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: merged, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[${name} ${child.pid}] ${chunk.toString()}`));
    children.push(child);
    return child;
  }

  /** Starts a process and resolves with the first stdout match of `ready` (within a minute). */
  function startUntil(
    script: string,
    env: ChildEnv,
    ready: RegExp,
    name = "worker",
  ): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
    const child = start(script, env, name);
    return new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s: ${out}`)), 60_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = ready.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve({ child, match });
        }
      });
      child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready: ${out}`)));
    });
  }

  async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  async function stopAll(): Promise<void> {
    for (const child of children) await stop(child);
  }

  return { start, startUntil, stop, stopAll };
}

/** True while any process of the process group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Ends a whole process group this test started (SIGKILL by default); nothing if it is gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls `check` until it holds; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The processes of group `pgid` as "pid command line", read from /proc (for messages when a group outlives its deadline). */
export function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      members.push(`${entry} (${fields[0]}) ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

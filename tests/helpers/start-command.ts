import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The arguments `npm start` gives node (its V8 heap flags, the tsx loader,
 * scripts/start.ts), read from package.json, so that what the tests and the
 * benchmark start is what `npm start` runs.
 */
export function startCommandArgs(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [program, ...args] = (pkg.scripts.start ?? "").split(/\s+/).filter(Boolean);
  if (program !== "node" || args.at(-1) !== "scripts/start.ts")
    throw new Error(`package.json's start script is not "node … scripts/start.ts": ${pkg.scripts.start}`);
  return args;
}

/** The V8 flags alone (before --import). */
export function startCommandNodeFlags(): string[] {
  const args = startCommandArgs();
  return args.slice(0, args.indexOf("--import"));
}

export type LauncherOptions = {
  /** DATA_DIR: the launcher's own embedded Postgres, auth secret and sandbox token live here. */
  dataDir: string;
  port: number;
  shutdownTimeoutMs: number;
  /** Over the helper's SANDBOX_TIMINGS (e.g. a short runningMs): the last launcher to start sets both sandboxes' timings. */
  sandboxTimings?: Record<string, number>;
  /**
   * Its stdout and stderr go through a reader process (`npm start | cat`)
   * whose output this process collects; `reader` can then be killed first, as
   * a terminal's `| tee` or a log collector goes away.
   */
  throughReader?: boolean;
};

export type Launcher = {
  child: ChildProcess;
  /** Its pid, which is also its process group's: it is started as a terminal starts a foreground job. */
  pid: number;
  reader: ChildProcess | null;
  /** What it printed so far. */
  output(): string;
  /** Resolves with the first match in its output; rejects if it exits first or after `timeoutMs`. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
};

/**
 * `npm start --dev` (`npm run dev`: no web build needed) in a process group of
 * its own, on the embedded Postgres in `dataDir`, with the local sandboxes'
 * (OpenAI's and Together's) jobs moving within seconds.
 */
export function startLauncher(opts: LauncherOptions): Launcher {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    NEXT_TELEMETRY_DISABLED: "1",
    DATA_DIR: opts.dataDir,
    PORT: String(opts.port),
    METRICS_PORT: "off",
    SHUTDOWN_TIMEOUT_MS: String(opts.shutdownTimeoutMs),
    SANDBOX_TIMINGS: JSON.stringify({
      fileProcessingMs: 200,
      validatingMs: 1_000,
      queuedMs: 1_000,
      runningMs: 600_000,
      ...opts.sandboxTimings,
    }),
    WORKER_POLL_MS: "300",
    // A budget the local sandboxes can take: these tests are about starting and stopping, not the provider's rate.
    PROVIDER_MAX_RPS_OPENAI: "200",
    PROVIDER_MAX_RPS_TOGETHER: "200",
  };
  for (const name of [
    "DATABASE_URL",
    "APP_URL",
    "BETTER_AUTH_SECRET",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TOGETHER_API_KEY",
    "TOGETHER_BASE_URL",
    "SANDBOX_CONTROL_TOKEN",
    "SANDBOX_PORT",
  ])
    delete env[name];
  const reader = opts.throughReader
    ? spawn(process.execPath, ["-e", "process.stdin.pipe(process.stdout)"], { stdio: ["pipe", "pipe", "ignore"] })
    : null;
  const out = reader?.stdin ?? "pipe";
  const child = spawn(process.execPath, [...startCommandArgs(), "--dev"], { cwd: ROOT, env, detached: true, stdio: ["ignore", out, out] });
  // Only the launcher holds the pipe's writing end now.
  reader?.stdin?.destroy();
  let text = "";
  const collect = (chunk: Buffer) => (text += chunk.toString());
  for (const stream of reader ? [reader.stdout] : [child.stdout, child.stderr]) stream?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    pid: child.pid ?? -1,
    reader,
    output: () => text,
    exited,
    async printed(pattern, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`the launcher exited (${child.exitCode ?? child.signalCode}): ${text}`);
        if (Date.now() > deadline) throw new Error(`the launcher did not print ${pattern} within ${timeoutMs / 1000} s: ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

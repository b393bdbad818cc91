import { spawn } from "node:child_process";
import path from "node:path";
import { postgresNativeDir, type OsUser } from "./embedded-access";

export type Postmaster = {
  pid: number;
  /**
   * Fast shutdown (SIGINT), awaited; the signal itself is sent synchronously,
   * so an exit hook can call it. If Postgres is still up `immediateAfterMs`
   * later, an immediate shutdown (SIGQUIT). Repeatable: a later call with a
   * shorter time brings the immediate shutdown forward.
   */
  stop(immediateAfterMs?: number): Promise<void>;
};

const READY = "database system is ready to accept connections";
const START_TIMEOUT_MS = 60_000;
// A fast shutdown that has not finished by then becomes an immediate one (SIGQUIT).
const STOP_TIMEOUT_MS = 30_000;

// The operating system's own variables the server may need, passed through;
// none of the product's settings or secrets (API keys, the auth secret, the
// database URL) reach it.
const PASSED_THROUGH = ["PATH", "TZ"];

function postgresEnv(): NodeJS.ProcessEnv {
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  // Untranslated messages, so that READY is found whatever the machine's locale.
  // (Next's typing of ProcessEnv requires NODE_ENV, which Postgres has no use for.)
  return { ...passed, LC_MESSAGES: "C" } as unknown as NodeJS.ProcessEnv;
}

/**
 * Starts the embedded Postgres server in a process group of its own. In the
 * launcher's group, a Ctrl-C in the terminal reached Postgres at the same
 * moment as the launcher: Postgres shut down first, and the app and worker
 * drained against a database that was gone. Apart, the launcher stops it last.
 * Resolves once it accepts connections; rejects, with its last lines, if it
 * exits before that or is not ready within a minute.
 */
export function startPostmaster(opts: {
  dataDir: string;
  port: number;
  flags: string[];
  user: OsUser | null;
  onLog: (text: string) => void;
}): Promise<Postmaster> {
  const binary = path.join(postgresNativeDir(), "bin", "postgres");
  const child = spawn(binary, ["-D", opts.dataDir, "-p", String(opts.port), ...opts.flags], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: postgresEnv(),
    ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  let stopRequested = false;
  let immediateAt = Infinity;
  let immediateTimer: NodeJS.Timeout | undefined;
  void exited.then(() => clearTimeout(immediateTimer));
  const postmaster: Postmaster = {
    pid: child.pid ?? -1,
    stop(immediateAfterMs = STOP_TIMEOUT_MS) {
      if (running() && !stopRequested) child.kill("SIGINT");
      stopRequested = true;
      if (running() && Date.now() + immediateAfterMs < immediateAt) {
        immediateAt = Date.now() + immediateAfterMs;
        clearTimeout(immediateTimer);
        immediateTimer = setTimeout(() => {
          if (!running()) return;
          opts.onLog(
            `postgres did not finish its fast shutdown within ${immediateAfterMs / 1000} s: shutting it down immediately (SIGQUIT)`,
          );
          child.kill("SIGQUIT");
        }, immediateAfterMs).unref();
      }
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    let pending = "";
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill("SIGQUIT");
      reject(new Error(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS).unref();
    // Whole lines only: a message split across two reads is still found.
    child.stderr.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        opts.onLog(line);
        if (!ready && line.includes(READY)) {
          ready = true;
          clearTimeout(timer);
          resolve(postmaster);
        }
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      if (!ready) reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`postgres exited before accepting connections (${signal ?? `code ${code}`})`));
      else if (!stopRequested)
        opts.onLog(
          `postgres exited unexpectedly (${signal ?? `code ${code}`}); the app's next queries will fail until it is started again`,
        );
    });
  });
}

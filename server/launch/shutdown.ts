// How the launchers (`npm start`, `npm run worker`) stop: their stages in
// order, within SHUTDOWN_TIMEOUT_MS, and a hard deadline a little after it.
// Whatever still hangs then (a pg-boss stop, a live-feed connection, Next's
// server) is abandoned: the embedded Postgres is stopped, fast then
// immediately, and the process exits saying it was cut short. On every
// exit, child processes still running (Next's bundler helpers) are ended.
import { Worker } from "node:worker_threads";
import { endChildProcesses } from "./child-processes";

/** What a launcher's exit code means (docs/DEPLOY.md lists them). */
export const EXIT = {
  /** Stopped after a signal, every stage finished. */
  stopped: 0,
  /** The start failed, or a stage failed while stopping. */
  failed: 1,
  /** The shutdown passed its deadline, or a second signal came: some stage was abandoned. */
  cutShort: 3,
  /** Another launcher owns this data folder's embedded Postgres (`npm start` twice). */
  databaseOwnedElsewhere: 4,
} as const;

/** After SHUTDOWN_TIMEOUT_MS (the drains' budget), how long the closes after them (queue, sandbox, Postgres) may still take before they are abandoned. */
export const DEADLINE_MARGIN_MS = 1_500;
/** At the deadline: how long Postgres gets for its fast shutdown before an immediate one, then for that. */
export const CUT_FAST_MS = 1_000;
export const CUT_IMMEDIATE_MS = 1_000;
/** The watchdog thread's SIGQUIT to Postgres and SIGKILL to the process: this long after the deadline if the main thread did not reach it, else after the cut's own bound. */
const WATCHDOG_AFTER_DEADLINE_MS = 500;
const WATCHDOG_AFTER_CUT_MS = CUT_FAST_MS + CUT_IMMEDIATE_MS + 1_000;

/** One step of a shutdown; `remainingMs` is what is left of SHUTDOWN_TIMEOUT_MS when it starts. */
export type ShutdownStage = { name: string; run(remainingMs: number): Promise<void> };

export type ShutdownPlan = {
  /** Runs the stages once (later calls share the first); exits the process with `code`, or EXIT.cutShort at the deadline. */
  stop(code: number): Promise<void>;
  /** True from the first stop() on. */
  readonly stopping: boolean;
};

/**
 * `stages` run in their order when stop() is first called. `onDeadline` must
 * stop what cannot be left behind (the embedded Postgres) within about
 * CUT_FAST_MS + CUT_IMMEDIATE_MS; its result is awaited no longer than that.
 */
export function planShutdown(opts: {
  timeoutMs: number;
  stages: () => ShutdownStage[];
  onDeadline: () => Promise<void>;
  log?: (line: string) => void;
}): ShutdownPlan {
  const log = opts.log ?? ((line: string) => console.error(line));
  process.once("exit", () => endChildProcesses());
  let running: Promise<void> | undefined;
  let current = "starting to stop";

  const watchdog = startWatchdog();
  const cut = async () => {
    watchdog?.postMessage({ cuttingMs: WATCHDOG_AFTER_CUT_MS });
    log(
      `shutdown: not finished ${opts.timeoutMs + DEADLINE_MARGIN_MS} ms after the signal (still: ${current}); stopping Postgres and exiting`,
    );
    await Promise.race([opts.onDeadline().catch(() => {}), sleep(CUT_FAST_MS + CUT_IMMEDIATE_MS + 500)]);
    process.exit(EXIT.cutShort);
  };

  const run = async (code: number) => {
    const deadline = Date.now() + opts.timeoutMs;
    // Not unref'd: it must fire even if a hung stage holds nothing else open.
    const deadlineMs = opts.timeoutMs + DEADLINE_MARGIN_MS;
    setTimeout(() => void cut(), deadlineMs);
    watchdog?.postMessage({ afterMs: deadlineMs + WATCHDOG_AFTER_DEADLINE_MS });
    let exitCode = code;
    for (const stage of opts.stages()) {
      current = stage.name;
      try {
        await stage.run(Math.max(0, deadline - Date.now()));
      } catch (error) {
        log(`while stopping (${stage.name}): ${error instanceof Error ? error.message : String(error)}`);
        exitCode = exitCode || EXIT.failed;
      }
    }
    process.exit(exitCode);
  };

  return {
    stop(code) {
      running ??= run(code);
      return running;
    },
    get stopping() {
      return running !== undefined;
    },
  };
}

/** For a main thread too busy to run its own deadline (a stage that blocks the event loop): ./watchdog-thread.mjs, started idle. */
function startWatchdog(): Worker | null {
  try {
    // Plain JavaScript: without the launcher's loader (tsx) it starts at once.
    const watchdog = new Worker(new URL("./watchdog-thread.mjs", import.meta.url), { execArgv: [] });
    watchdog.on("error", () => {});
    watchdog.unref();
    return watchdog;
  } catch {
    return null; // No worker threads here: the deadline timer alone stands.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

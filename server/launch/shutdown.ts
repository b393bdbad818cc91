// How the launchers (`npm start`, `npm run worker`) stop: their stages in
// order, within SHUTDOWN_TIMEOUT_MS, and a hard deadline a little after it.
// Whatever still hangs then (a pg-boss stop, a live-feed connection, Next's
// server) is abandoned: the embedded Postgres is stopped, fast then
// immediately, and the process exits saying it was cut short. On every
// exit, child processes still running (Next's bundler helpers) are ended.
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

  const cut = async () => {
    log(
      `shutdown: not finished ${opts.timeoutMs + DEADLINE_MARGIN_MS} ms after the signal (still: ${current}); stopping Postgres and exiting`,
    );
    await Promise.race([opts.onDeadline().catch(() => {}), sleep(CUT_FAST_MS + CUT_IMMEDIATE_MS + 500)]);
    process.exit(EXIT.cutShort);
  };

  const run = async (code: number) => {
    const deadline = Date.now() + opts.timeoutMs;
    // Not unref'd: it must fire even if a hung stage holds nothing else open.
    setTimeout(() => void cut(), opts.timeoutMs + DEADLINE_MARGIN_MS);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

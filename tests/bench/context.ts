// The benchmark's knobs and what every measurement is handed: the database,
// the running app and floor, credentials and the pool of jobs to cancel.
import type pg from "pg";
import type { JobPool } from "./harness";

// Knobs (env): BENCH_DURATION_MS (10000), BENCH_WARMUP_MS (3000),
// BENCH_UI_CANCELS (25), CHROMIUM_PATH (/usr/bin/chromium), BENCH_SKIP=ui,cold,floor,rest,scale (comma list),
// BENCH_QUIET_MAX_WAIT_MS (60000: how long each case may wait for other work on the machine to stop),
// BENCH_NOISE_RETRIES (2: how often a case disturbed by other work is run again), BENCH_JOBS (1000000);
// the scale section's own (BENCH_SCALE_JOBS and friends) are in scale.ts.
export const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
export const UI_CANCELS = Number(process.env.BENCH_UI_CANCELS ?? 25);
export const SKIP = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Before each load case, wait (at most BENCH_QUIET_MAX_WAIT_MS) until fewer than 0.3 CPUs are busy.
export const QUIET_CPUS = 0.3;
export const QUIET_MAX_WAIT_MS = Number(process.env.BENCH_QUIET_MAX_WAIT_MS ?? 60_000);
// A case during which other processes used more than 0.25 CPUs is run again, at most BENCH_NOISE_RETRIES (2) times.
export const NOISE_CPUS = 0.25;
export const NOISE_RETRIES = Number(process.env.BENCH_NOISE_RETRIES ?? 2);
// Jobs in the table (the list is measured at 1,000,000); BENCH_JOBS for a quicker smoke run.
export const JOBS = Number(process.env.BENCH_JOBS ?? 1_000_000);
export const LIST_LIMIT = 20;
export const DEEP_PAGE = 500;
export const LIST_ITERATIONS = 2_000;
export const PASSWORD = "bench-password-123";
export const log = (line: string) => console.log(`[bench] ${line}`);

export type BenchContext = {
  tmp: string;
  pgDataDir: string;
  /** Postgres' log lines, as they arrive. */
  pgLog: string[];
  /** The app's and the floor's output, as it arrives. */
  appLog: string[];
  databaseUrl: string;
  admin: pg.Client;
  connectionId: string;
  pool: JobPool;
  app: { pid: number; port: number; baseUrl: string };
  floor: { pid: number; port: number } | null;
  /** An operator API key, and the same as an Authorization header. */
  key: string;
  authorization: string;
  operator: { email: string; password: string };
};

// How one load case is run and timed (a load generator in its own process,
// CPU of the app and of Postgres per request, peak memory, noise from other
// work on the machine), and the in-process timers.
import { performance } from "node:perf_hooks";
import { NOISE_CPUS, NOISE_RETRIES, QUIET_CPUS, QUIET_MAX_WAIT_MS, DURATION_MS, WARMUP_MS, log } from "./context";
import { postgresCpuMs, runLoadgen, sampleWaits, writeIds, type JobPool } from "./harness";
import { cpuMsOf, machineBusyMs, sampleRss, stats, waitForQuiet, type Stats } from "./lib";
import type { LoadResult, LoadSpec } from "./loadgen";

export type CaseResult = LoadResult & {
  name: string;
  serverCpuMsPerReq: number | null;
  postgresCpuMsPerReq: number | null;
  peakRssMb: number | null;
  /** CPUs busy (whole machine) just before the case. */
  busyCpusBefore: number;
  /** CPUs used by processes outside this benchmark during the case (noise). */
  otherCpusDuring: number;
  /** Runs of this case made (a run disturbed by other work on the machine is made again). */
  attempts: number;
  /** Still disturbed by other work after every attempt: read with care. */
  noisy: boolean;
  /** What Postgres' active backends were doing, averaged per sample (pg_stat_activity every 50 ms). */
  postgresActivity?: { activePerSample: number; byEvent: Record<string, number> };
};

export type CaseOptions = {
  name: string;
  spec: Omit<LoadSpec, "idsFile" | "warmupMs" | "durationMs"> & Partial<Pick<LoadSpec, "warmupMs" | "durationMs">>;
  pool?: JobPool;
  idsPerSecond?: number;
  tmp: string;
  serverPid: number;
  pgDataDir: string;
  /** Sample pg_stat_activity during the case (on this database). */
  waitsUrl?: string;
};

/** One load case; made again (at most NOISE_RETRIES times) when other work on the machine disturbed it; the least disturbed run is kept. */
export async function loadCase(opts: CaseOptions): Promise<CaseResult> {
  let best: CaseResult | undefined;
  for (let attempt = 1; attempt <= NOISE_RETRIES + 1; attempt++) {
    const run = await loadCaseOnce(opts, attempt);
    if (!best || run.otherCpusDuring < best.otherCpusDuring) best = run;
    if (run.otherCpusDuring <= NOISE_CPUS) break;
    if (attempt <= NOISE_RETRIES) log(`  other work used ${run.otherCpusDuring.toFixed(2)} CPUs during that run: running it again`);
  }
  const result = best as CaseResult;
  result.noisy = result.otherCpusDuring > NOISE_CPUS;
  return result;
}

async function loadCaseOnce(opts: CaseOptions, attempt: number): Promise<CaseResult> {
  const warmupMs = opts.spec.warmupMs ?? WARMUP_MS;
  const durationMs = opts.spec.durationMs ?? DURATION_MS;
  let idsFile: string | undefined;
  if (opts.pool && opts.idsPerSecond) {
    const ids = await opts.pool.take(Math.ceil(((warmupMs + durationMs) / 1000) * opts.idsPerSecond));
    idsFile = await writeIds(opts.tmp, opts.name.replace(/\W+/g, "-"), ids);
  }
  // Other work on this shared machine (other people's builds and tests) skews every figure: wait for a quiet moment.
  const quiet = await waitForQuiet(QUIET_CPUS, QUIET_MAX_WAIT_MS);
  if (quiet.busyCpus >= QUIET_CPUS)
    log(`  machine still busy (${quiet.busyCpus.toFixed(2)} CPUs) after waiting ${(quiet.waitedMs / 1000).toFixed(0)} s; measuring anyway`);
  const waits = opts.waitsUrl ? await sampleWaits(opts.waitsUrl, 50) : null;
  const cpu0 = cpuMsOf(opts.serverPid);
  const pg0 = postgresCpuMs(opts.pgDataDir);
  const busy0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  const rss = sampleRss(opts.serverPid, 100);
  const result = await runLoadgen({ ...opts.spec, warmupMs, durationMs, idsFile });
  const memory = rss.stop();
  const wallMs = performance.now() - wall0;
  const serverMs = cpuMsOf(opts.serverPid) - cpu0;
  const postgresMs = postgresCpuMs(opts.pgDataDir) - pg0;
  const selfCpu = process.cpuUsage(self0);
  const othersMs = machineBusyMs() - busy0 - serverMs - postgresMs - result.loadgenCpuTotalMs - (selfCpu.user + selfCpu.system) / 1000;
  const activity = waits ? await waits.stop() : null;
  const responses = Object.values(result.statuses).reduce((a, b) => a + b, 0);
  const per = (ms: number) => (responses ? ms / responses : null);
  const out: CaseResult = {
    ...result,
    name: opts.name,
    serverCpuMsPerReq: per(serverMs),
    postgresCpuMsPerReq: per(postgresMs),
    peakRssMb: memory.peakRssMb,
    busyCpusBefore: quiet.busyCpus,
    otherCpusDuring: Math.max(0, othersMs / wallMs),
    attempts: attempt,
    noisy: false,
    ...(activity ? { postgresActivity: { activePerSample: activity.activePerSample, byEvent: activity.byEvent } } : {}),
  };
  log(
    `${opts.name.padEnd(30)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50.toFixed(2)} ms  p99 ${result.latency.p99.toFixed(2)} ms  errors ${result.errors}` +
      `  cpu/req app ${out.serverCpuMsPerReq?.toFixed(3)} pg ${out.postgresCpuMsPerReq?.toFixed(3)} loadgen ${(result.loadgenCpuMs / Math.max(1, result.completed)).toFixed(3)} ms  rss≤${memory.peakRssMb.toFixed(0)} MB  others ${out.otherCpusDuring.toFixed(2)} CPUs` +
      (result.idsExhausted ? "  (ids ran out: window shortened)" : ""),
  );
  if (activity) log(`  postgres backends (avg active ${activity.activePerSample.toFixed(2)}): ${JSON.stringify(activity.byEvent)}`);
  if (result.firstError) log(`  first error: ${result.firstError}`);
  return out;
}

/** Waits for a quiet machine before an in-process measurement; returns how busy it still was (CPUs). */
export async function quietly(what: string): Promise<number> {
  const quiet = await waitForQuiet(QUIET_CPUS, QUIET_MAX_WAIT_MS);
  if (quiet.busyCpus >= QUIET_CPUS) log(`  machine still busy (${quiet.busyCpus.toFixed(2)} CPUs) before ${what}; measuring anyway`);
  return quiet.busyCpus;
}

/** Times an async call, sequentially, after a warm-up. */
export async function timeCalls(iterations: number, warmup: number, call: (i: number) => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await call(i);
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await call(warmup + i);
    samples[i] = performance.now() - t0;
  }
  return stats(samples);
}

/** Runs `call` from `concurrency` loops over `ids` for at most `ms`; throughput and latency. */
export async function timeConcurrent(
  ids: string[],
  concurrency: number,
  ms: number,
  call: (id: string) => Promise<unknown>,
): Promise<{ rps: number; latency: Stats; n: number }> {
  const samples = new Float64Array(ids.length);
  let next = 0;
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end && next < ids.length) {
        const id = ids[next++] as string;
        const t0 = performance.now();
        await call(id);
        samples[n++] = performance.now() - t0;
      }
    }),
  );
  const elapsed = performance.now() - start;
  return { rps: (n / elapsed) * 1000, latency: stats(samples, n), n };
}

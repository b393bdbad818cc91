// Small helpers shared by the benchmark's processes (no product imports here).
import { readFileSync, readdirSync } from "node:fs";
// The one free-port helper, shared with the product and the e2e harness.
export { freePort } from "../../server/launch/embedded-state";

export type Stats = { n: number; mean: number; p50: number; p90: number; p99: number; max: number };

/** Percentiles (nearest rank) of latencies in ms. */
export function stats(values: ArrayLike<number>, count = values.length): Stats {
  const sorted = Float64Array.from({ length: count }, (_, i) => values[i] ?? 0).sort();
  const at = (q: number) => (count === 0 ? NaN : (sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))] ?? NaN));
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: count,
    mean: count ? sum / count : NaN,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: count ? (sorted[count - 1] ?? NaN) : NaN,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resident set of a process, in MB: current (VmRSS) and its high-water mark (VmHWM). */
export function rssOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system) a process has used, in ms; with `reapedChildren`, plus that of the children it has waited for. */
export function cpuMsOf(pid: number, { reapedChildren = false } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": state is fields[0]; utime (field 14 overall) → index 11, stime → 12, cutime → 13, cstime → 14.
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (reapedChildren ? Number(fields[13]) + Number(fields[14]) : 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The pids whose parent is `pid` (one level). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen and the kernel's high-water mark. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { peakRssMb: number; hwmMb: number; samples: number } } {
  let peak = 0;
  let hwm = 0;
  let samples = 0;
  const take = () => {
    const now = rssOf(pid);
    if (!now) return;
    samples++;
    peak = Math.max(peak, now.rssMb);
    hwm = Math.max(hwm, now.hwmMb);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakRssMb: peak, hwmMb: hwm, samples };
    },
  };
}

export const round = (value: number, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** CPU time the whole machine has spent busy (all CPUs, everything but idle and iowait), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return (total - idle) * TICK_MS;
}

/**
 * Waits (at most `maxWaitMs`) until the machine is quiet: less than `threshold`
 * CPUs busy over a 1 s sample. Returns the last sample, in CPUs busy.
 */
export async function waitForQuiet(threshold: number, maxWaitMs: number): Promise<{ busyCpus: number; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    const b0 = machineBusyMs();
    const t0 = Date.now();
    await sleep(1_000);
    const busyCpus = (machineBusyMs() - b0) / (Date.now() - t0);
    if (busyCpus < threshold || Date.now() - start >= maxWaitMs) return { busyCpus, waitedMs: Date.now() - start };
    await sleep(2_000);
  }
}

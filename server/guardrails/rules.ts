import type { Guardrails, GuardrailAction, GuardrailRule } from "./schema";

// Pure: given what is known of a job now, which guardrails are crossed, with
// the numbers that say why. No I/O, so each rule is tested on its own.

export type JobFacts = {
  status: "queued" | "validating_files" | "running";
  now: Date;
  createdAt: Date;
  /** When the job first ran at the provider; null if it has not. */
  firstRunningAt: Date | null;
  /** When it last entered running (after a resume, the resume), for the stall clock. */
  lastRunningAt: Date | null;
  /** When the newest training step was reported; null before the first. */
  lastStepAt: Date | null;
  lastStep: number | null;
  costSoFarUsd: number | null;
  /** Train losses of the newest steps, oldest first (NaN kept as NaN). */
  recentTrainLosses: number[];
  /** The smallest finite train loss of the whole run. */
  minTrainLoss: number | null;
};

export type Verdict = { rule: GuardrailRule; action: GuardrailAction; message: string; observed: number | null; limit: number | null };

export function crossedGuardrails(g: Guardrails, f: JobFacts): Verdict[] {
  const out: Verdict[] = [];
  const running = f.status === "running";
  if (g.max_cost_usd && f.costSoFarUsd !== null && f.costSoFarUsd > g.max_cost_usd.limit) {
    out.push({
      rule: "max_cost_usd",
      action: g.max_cost_usd.action,
      observed: f.costSoFarUsd,
      limit: g.max_cost_usd.limit,
      message: `max_cost_usd: ${usd(f.costSoFarUsd)} > ${usd(g.max_cost_usd.limit)}`,
    });
  }
  if (g.max_runtime_seconds && running && f.firstRunningAt) {
    const s = seconds(f.now, f.firstRunningAt);
    if (s > g.max_runtime_seconds.limit) {
      out.push({
        rule: "max_runtime_seconds",
        action: g.max_runtime_seconds.action,
        observed: s,
        limit: g.max_runtime_seconds.limit,
        message: `max_runtime: running ${duration(s)} > ${duration(g.max_runtime_seconds.limit)}`,
      });
    }
  }
  if (g.max_queue_time_seconds && !running) {
    const s = seconds(f.now, f.createdAt);
    if (s > g.max_queue_time_seconds.limit) {
      out.push({
        rule: "max_queue_time_seconds",
        action: g.max_queue_time_seconds.action,
        observed: s,
        limit: g.max_queue_time_seconds.limit,
        message: `max_queue_time: not running after ${duration(s)} > ${duration(g.max_queue_time_seconds.limit)}`,
      });
    }
  }
  if (g.stall_after_seconds && running) {
    // The clock starts again at a resume: a paused job sends no steps by design.
    const since = latest(f.lastStepAt, f.lastRunningAt);
    const s = since ? seconds(f.now, since) : null;
    if (s !== null && s > g.stall_after_seconds.limit) {
      const at = f.lastStep === null ? "no step yet" : `last step ${f.lastStep}`;
      out.push({
        rule: "stall_after_seconds",
        action: g.stall_after_seconds.action,
        observed: s,
        limit: g.stall_after_seconds.limit,
        message: `stall_after: no new step for ${duration(s)} > ${duration(g.stall_after_seconds.limit)} (${at})`,
      });
    }
  }
  if (g.divergence) {
    const d = g.divergence;
    const last = f.recentTrainLosses.at(-1);
    if (f.recentTrainLosses.some((l) => Number.isNaN(l))) {
      out.push({
        rule: "divergence",
        action: d.action,
        observed: null,
        limit: d.factor,
        message: `divergence: train loss is NaN${f.lastStep === null ? "" : ` (step ${f.lastStep})`}`,
      });
    } else if (f.minTrainLoss !== null && last !== undefined) {
      const window = f.recentTrainLosses.slice(-d.window);
      const bound = d.factor * f.minTrainLoss;
      if (window.length >= d.window && window.every((l) => l > bound)) {
        out.push({
          rule: "divergence",
          action: d.action,
          observed: last,
          limit: bound,
          message: `divergence: train loss ${num(last)} > ${d.factor} × min ${num(f.minTrainLoss)} for ${d.window} steps`,
        });
      }
    }
  }
  return out;
}

const seconds = (now: Date, since: Date) => Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
const latest = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);
const usd = (n: number) => `$${n.toFixed(2)}`;
const num = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3));

export function duration(total: number): string {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return s === 0 ? `${m}m` : `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/**
 * How close a job is to its nearest limit that grows on its own (cost, run
 * time), as a share of that limit: 0.9 is 90 % of the way. The worker polls a
 * job near a limit first, so a trip is seen soon after the provider reports it.
 */
export function nearestLimitShare(g: Guardrails, f: { now: Date; runningSince: Date | null; costSoFarUsd: number | null }): number {
  const shares = [0];
  if (g.max_cost_usd && f.costSoFarUsd !== null) shares.push(f.costSoFarUsd / g.max_cost_usd.limit);
  if (g.max_runtime_seconds && f.runningSince) shares.push(seconds(f.now, f.runningSince) / g.max_runtime_seconds.limit);
  return Math.max(...shares);
}

/** A job whose cost is not yet known to grow is looked at again within this, so a cost limit is never left unwatched for long. */
const UNKNOWN_PACE_SECONDS = 45;

/**
 * When, at its pace so far, a job's nearest growing limit comes `share` of the
 * way (the share at which the worker polls it urgently), in seconds from now:
 * 0 when it already has, Infinity when it has no such limit. Cost is assumed
 * to grow at its average rate since training started; a stall limit asks for
 * a read every `share` of it.
 */
export function secondsUntilShare(
  g: Guardrails,
  f: { now: Date; runningSince: Date | null; costSoFarUsd: number | null },
  share: number,
): number {
  const etas = [Number.POSITIVE_INFINITY];
  const elapsed = f.runningSince ? (f.now.getTime() - f.runningSince.getTime()) / 1000 : 0;
  if (g.max_runtime_seconds && f.runningSince) etas.push(share * g.max_runtime_seconds.limit - elapsed);
  // A stall is judged from the last step we have read: read it well within the limit, so a job that trains never looks stalled.
  if (g.stall_after_seconds) etas.push(share * g.stall_after_seconds.limit);
  if (g.max_cost_usd) {
    const cost = f.costSoFarUsd ?? 0;
    etas.push(cost > 0 && elapsed > 0 ? elapsed * ((share * g.max_cost_usd.limit) / cost - 1) : UNKNOWN_PACE_SECONDS);
  }
  return Math.max(0, Math.min(...etas));
}

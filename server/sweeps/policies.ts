// The early-stopping rules, as pure functions of numbers, so that the worker
// and the tests that check it apply the same arithmetic. Lower is better (a loss).
// Both follow Ray Tune's asynchronous forms: a run is judged when it reaches a
// milestone, against the runs that reached that milestone before it.

import type { EarlyStopping } from "./schema";

/** The steps at which a policy judges a run, up to `maxStep`: asha r, r·η, r·η²…; median every r steps. */
export function milestonesFor(rule: EarlyStopping, maxStep: number): number[] {
  if (rule.policy === "none") return [];
  const out: number[] = [];
  if (rule.policy === "median") {
    for (let step = rule.min_steps; step <= maxStep && out.length < 10_000; step += rule.min_steps) out.push(step);
    return out;
  }
  for (let rung = rule.min_steps; rung <= maxStep && out.length < 64; rung *= rule.reduction_factor) {
    const step = Math.round(rung);
    if (out.at(-1) !== step) out.push(step);
  }
  return out;
}

/** The milestones after step `after`, up to `upTo`: those a run crosses between two passes. */
export function milestonesBetween(rule: EarlyStopping, after: number, upTo: number): number[] {
  if (upTo <= after) return [];
  if (rule.policy === "median") {
    const out: number[] = [];
    const last = Math.min(Math.floor(upTo / rule.min_steps), 10_000);
    for (let k = Math.floor(after / rule.min_steps) + 1; k <= last; k++) out.push(k * rule.min_steps);
    return out;
  }
  return milestonesFor(rule, upTo).filter((m) => m > after);
}

/** Linear-interpolated quantile (q in [0, 1]) of a non-empty list. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export type Judgement = { stop: boolean; threshold: number | null; peers: number };

/** The median rule needs this many other runs at a milestone before it stops anyone. */
export const MEDIAN_MIN_PEERS = 2;

/**
 * Median stopping: stop a run whose value at a milestone is worse than the
 * median of the values the other runs had there (once MEDIAN_MIN_PEERS did).
 */
export function judgeMedian(value: number, earlier: readonly number[]): Judgement {
  if (earlier.length < MEDIAN_MIN_PEERS) return { stop: false, threshold: null, peers: earlier.length };
  const threshold = quantile(earlier, 0.5);
  return { stop: value > threshold, threshold, peers: earlier.length };
}

/**
 * Asynchronous successive halving: of the runs at a rung (this one included),
 * only the top 1/η go on, so a run stops when its value is above the 1/η
 * quantile of the values recorded there. The first run at a rung always goes on.
 */
export function judgeAsha(value: number, earlier: readonly number[], reductionFactor: number): Judgement {
  if (earlier.length === 0) return { stop: false, threshold: null, peers: 0 };
  const threshold = quantile([...earlier, value], 1 / reductionFactor);
  return { stop: value > threshold, threshold, peers: earlier.length };
}

export function judge(rule: EarlyStopping, value: number, earlier: readonly number[]): Judgement {
  if (rule.policy === "median") return judgeMedian(value, earlier);
  if (rule.policy === "asha") return judgeAsha(value, earlier, rule.reduction_factor);
  return { stop: false, threshold: null, peers: earlier.length };
}

const fmt = (n: number) => Number(n.toPrecision(3)).toString();

/** The reason a stop carries into the job's log and the webhook. */
export function stopReason(args: {
  sweep: string;
  rule: EarlyStopping;
  metric: string;
  step: number;
  value: number;
  verdict: Judgement;
}): string {
  const { sweep, rule, metric, step, value, verdict } = args;
  const name = metric.replace("_", " ");
  const runs = `${verdict.peers} run${verdict.peers === 1 ? "" : "s"}`;
  const cut =
    rule.policy === "median"
      ? `median ${fmt(verdict.threshold ?? Number.NaN)} of ${runs}`
      : `${fmt(verdict.threshold ?? Number.NaN)}, the top 1/${fmt(rule.reduction_factor)} cut at rung ${step} after ${runs}`;
  return `stopped early by sweep ${sweep}: ${name} ${fmt(value)} at step ${step} > ${cut}`;
}

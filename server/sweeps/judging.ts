import { judge, milestonesBetween, stopReason } from "./policies";
import type { EarlyStopping, SweepMetric } from "./schema";

// One decision pass over a sweep's runs, in memory: from each run's new metric
// steps and the losses carried in from the steps read before, the decisions at
// the milestones it crossed, judged in run order against the values recorded
// at each milestone before (those of earlier passes, then this pass's own).
// No database here: decide.ts reads what changed and writes what this answers.

export type Losses = { valid: number | null; train: number | null };
export type MetricStep = Losses & { step: number };

/** A run and the steps it reported after `seenStep` (in step order), with the losses last reported up to `seenStep`. */
export type RunSteps = { position: number; jobId: string; seenStep: number; carried: Losses; steps: MetricStep[] };

export type RecordedValue = { jobId: string; milestone: number; metricName: SweepMetric; metric: number };

export type Decision = RecordedValue & { stop: boolean; threshold: number | null; peers: number; reason: string };

/** Where a run's reading now stands: its newest step, and the losses last reported up to it. */
export type RunProgress = Losses & { position: number; seenStep: number };

/** The milestones the runs crossed since their last pass (the values recorded there before are what they are judged against). */
export function milestonesCrossed(rule: EarlyStopping, runs: readonly RunSteps[]): number[] {
  const crossed = new Set<number>();
  for (const run of runs) {
    const top = run.steps.at(-1)?.step ?? run.seenStep;
    for (const m of milestonesBetween(rule, run.seenStep, top)) crossed.add(m);
  }
  return [...crossed].sort((a, b) => a - b);
}

/** A run's value at a milestone: its last report at or before it, the sweep's metric if reported, else train loss; NaN (diverged) reads as +∞. */
function valueAt(losses: Losses, wanted: SweepMetric): { name: SweepMetric; value: number } | null {
  const finite = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
  if (wanted === "valid_loss" && losses.valid !== null) return { name: "valid_loss", value: finite(losses.valid) };
  if (losses.train !== null) return { name: "train_loss", value: finite(losses.train) };
  return null;
}

export function judgeNewSteps(args: {
  sweep: { name: string; rule: EarlyStopping };
  runs: readonly RunSteps[];
  /** The values recorded before this pass at the milestones crossed, in the order they were recorded. */
  recorded: readonly RecordedValue[];
}): { decisions: Decision[]; progress: RunProgress[] } {
  const { sweep, runs } = args;
  const { rule } = sweep;
  const at = new Map<string, RecordedValue[]>();
  const key = (milestone: number, name: SweepMetric) => `${milestone}:${name}`;
  const record = (v: RecordedValue) => at.set(key(v.milestone, v.metricName), [...(at.get(key(v.milestone, v.metricName)) ?? []), v]);
  for (const v of args.recorded) record(v);

  const decisions: Decision[] = [];
  const progress: RunProgress[] = [];
  for (const run of runs) {
    if (run.steps.length === 0) continue;
    const losses: Losses = { ...run.carried };
    let next = 0;
    const readUpTo = (step: number) => {
      for (; next < run.steps.length && run.steps[next]!.step <= step; next++) {
        const s = run.steps[next]!;
        if (s.valid !== null) losses.valid = s.valid;
        if (s.train !== null) losses.train = s.train;
      }
    };
    const top = run.steps.at(-1)!.step;
    for (const milestone of milestonesBetween(rule, run.seenStep, top)) {
      readUpTo(milestone);
      const value = valueAt(losses, rule.metric);
      if (!value) continue;
      const earlier = (at.get(key(milestone, value.name)) ?? []).filter((v) => v.jobId !== run.jobId).map((v) => v.metric);
      const verdict = judge(rule, value.value, earlier);
      const reason = verdict.stop
        ? stopReason({ sweep: sweep.name, rule, metric: value.name, step: milestone, value: value.value, verdict })
        : `went on at step ${milestone}`;
      const decision = { jobId: run.jobId, milestone, metricName: value.name, metric: value.value, ...verdict, reason };
      decisions.push(decision);
      record(decision);
      if (verdict.stop) break;
    }
    readUpTo(top);
    progress.push({ position: run.position, seenStep: Math.max(run.seenStep, top), ...losses });
  }
  return { decisions, progress };
}

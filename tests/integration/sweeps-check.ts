// Independent checks of a finished sweep, from what was recorded: the curves
// (job_metrics), the decisions in the order they were made, and the job log.
// The rules are re-implemented here on purpose, apart from server/sweeps/policies.ts.
import { expect } from "vitest";
import type { Db as AppDb } from "../../server/db";
import type { Sweep } from "../../server/sweeps/schema";

export type Db = AppDb;

type Decision = { id: bigint; jobId: string; milestone: number; stop: boolean; metricName: string; metric: number };
type Point = { jobId: string; step: number; valid: number | null; train: number | null };

function valueAt(points: Point[], step: number, name: string): number | null {
  let found: number | null = null;
  for (const p of points) {
    if (p.step > step) break;
    const v = name === "valid_loss" ? p.valid : p.train;
    if (v !== null) found = Number.isNaN(v) ? Infinity : v;
  }
  return found;
}

function interpolated(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i));
}

function shouldStop(rule: Sweep["early_stopping"], value: number, earlier: number[]): boolean {
  if (rule.policy === "asha") return earlier.length > 0 && value > interpolated([...earlier, value], 1 / rule.reduction_factor);
  if (rule.policy === "median") return earlier.length >= 2 && value > interpolated(earlier, 0.5);
  return false;
}

function milestones(rule: Sweep["early_stopping"], upTo: number): number[] {
  const out: number[] = [];
  if (rule.policy === "median") for (let m = rule.min_steps; m <= upTo; m += rule.min_steps) out.push(m);
  if (rule.policy === "asha") for (let m = rule.min_steps; m <= upTo; m *= rule.reduction_factor) out.push(Math.round(m));
  return out;
}

/** Checks every decision against the rule and the curves; answers the runs the sweep stopped and the run with the best metric. */
export async function expectRuleKept(db: Db, sweep: Sweep): Promise<{ stopped: string[]; best: string }> {
  const rule = sweep.early_stopping;
  const jobIds = sweep.runs.flatMap((r) => (r.finetuning_id ? [r.finetuning_id] : []));
  const decisions = await db.$queryRaw<Decision[]>`
    SELECT id, job_id::text AS "jobId", milestone, stop, metric_name AS "metricName", metric
    FROM sweep_decisions WHERE sweep_id = ${sweep.id}::uuid ORDER BY id`;
  const points = await db.$queryRaw<Point[]>`
    SELECT job_id::text AS "jobId", step, valid_loss AS valid, train_loss AS train
    FROM job_metrics WHERE job_id = ANY(${jobIds}::uuid[]) ORDER BY job_id, step`;
  const curve = (jobId: string) => points.filter((p) => p.jobId === jobId);

  // Each decision, replayed in the order made, from the recorded curves.
  const seen = new Map<string, number[]>();
  for (const d of decisions) {
    const value = valueAt(curve(d.jobId), d.milestone, d.metricName);
    expect(value, `value of ${d.jobId} at ${d.milestone}`).not.toBeNull();
    expect(d.metric).toBeCloseTo(value!, 6);
    const key = `${d.milestone}:${d.metricName}`;
    const earlier = seen.get(key) ?? [];
    expect(d.stop, `decision ${d.id} (${d.jobId} at ${d.milestone}, ${value} vs ${earlier.join(", ")})`).toBe(
      shouldStop(rule, value!, earlier),
    );
    seen.set(key, [...earlier, value!]);
  }

  // None lost, none twice: each run has exactly one decision at each milestone it reached until its stop.
  for (const jobId of jobIds) {
    const mine = decisions.filter((d) => d.jobId === jobId);
    const stopAt = mine.find((d) => d.stop)?.milestone ?? Infinity;
    const reached = Math.max(0, ...curve(jobId).map((p) => p.step));
    const expected = milestones(rule, reached).filter((m) => m <= stopAt);
    expect(
      mine.map((d) => d.milestone),
      `milestones of ${jobId}`,
    ).toEqual(expected);
  }

  // The stops carried out are exactly the stop decisions, each once, as the sweep.
  const stopEvents = await db.jobEvent.findMany({
    where: { jobId: { in: jobIds }, kind: "sweep_run_stopped" },
    select: { jobId: true, actor: true },
  });
  const stopped = stopEvents.map((e) => e.jobId);
  expect(new Set(stopped).size).toBe(stopped.length);
  expect([...stopped].sort()).toEqual(
    decisions
      .filter((d) => d.stop)
      .map((d) => d.jobId)
      .sort(),
  );
  for (const jobId of stopped) {
    const bySweep = await db.jobEvent.count({ where: { jobId, kind: "status_change", actor: "sweep" } });
    expect(bySweep).toBeGreaterThanOrEqual(1);
    expect(bySweep).toBeLessThanOrEqual(2); // pausing, then paused
  }
  const run = (jobId: string) => sweep.runs.find((r) => r.finetuning_id === jobId);
  for (const jobId of stopped) expect(run(jobId)?.stopped_at_step).toBe(decisions.find((d) => d.jobId === jobId && d.stop)?.milestone);

  // The run that ends best: the lowest value of the metric anywhere on its curve.
  const metricName = rule.metric === "valid_loss" && points.some((p) => p.valid !== null) ? "valid_loss" : "train_loss";
  const lowest = (jobId: string) =>
    Math.min(...curve(jobId).map((p) => (metricName === "valid_loss" ? (p.valid ?? Infinity) : (p.train ?? Infinity))));
  const best = [...jobIds].sort((a, b) => lowest(a) - lowest(b))[0]!;
  return { stopped, best };
}

/** The most runs that held a slot at once: from creation to ending or being stopped by the sweep. */
export async function maxOverlap(db: Db, sweep: Sweep): Promise<number> {
  const jobIds = sweep.runs.flatMap((r) => (r.finetuning_id ? [r.finetuning_id] : []));
  const marks: Array<{ at: number; delta: number }> = [];
  for (const jobId of jobIds) {
    const events = await db.jobEvent.findMany({
      where: { jobId },
      orderBy: { id: "asc" },
      select: { kind: true, toStatus: true, at: true },
    });
    const start = events[0]!.at.getTime();
    const end = events.find(
      (e) =>
        e.kind === "sweep_run_stopped" || (e.kind === "status_change" && ["succeeded", "failed", "cancelled"].includes(e.toStatus ?? "")),
    );
    marks.push({ at: start, delta: 1 }, { at: end ? end.at.getTime() : Infinity, delta: -1 });
  }
  marks.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const m of marks) most = Math.max(most, (now += m.delta));
  return most;
}

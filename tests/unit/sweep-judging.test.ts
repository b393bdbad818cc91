// One decision pass in memory: only the milestones crossed since the last
// pass, each valued by the last report at or before it (carried in across
// passes), judged against what was recorded there before, this pass included.
import { describe, expect, it } from "vitest";
import { judgeNewSteps, milestonesCrossed, type Losses, type RunSteps } from "@/server/sweeps/judging";
import { milestonesBetween } from "@/server/sweeps/policies";
import { earlyStoppingSchema } from "@/server/sweeps/schema";

const rule = (over: object) => earlyStoppingSchema.parse(over);
const asha = rule({ policy: "asha", metric: "valid_loss", min_steps: 4, reduction_factor: 2 });
const sweep = { name: "lr", rule: asha };

function run(
  position: number,
  seenStep: number,
  steps: Array<[number, number | null, number | null]>,
  carried: Losses = { valid: null, train: null },
): RunSteps {
  return { position, jobId: `job-${position}`, seenStep, carried, steps: steps.map(([step, valid, train]) => ({ step, valid, train })) };
}

describe("milestonesBetween", () => {
  it("answers only those after the step already read, up to the newest", () => {
    expect(milestonesBetween(asha, 0, 20)).toEqual([4, 8, 16]);
    expect(milestonesBetween(asha, 8, 20)).toEqual([16]);
    expect(milestonesBetween(asha, 16, 20)).toEqual([]);
    const median = rule({ policy: "median", min_steps: 5 });
    expect(milestonesBetween(median, 7, 26)).toEqual([10, 15, 20, 25]);
    expect(milestonesBetween(median, 10, 10)).toEqual([]);
    expect(milestonesBetween(rule({ policy: "none" }), 0, 100)).toEqual([]);
  });
});

describe("judgeNewSteps", () => {
  it("values a milestone by the last report at or before it, carried in from an earlier pass when none is newer", () => {
    // Validation at step 1 and 5 only; step 4 is valued by step 1's report, carried in.
    const first = run(
      0,
      1,
      [
        [2, null, 1.9],
        [3, null, 1.8],
        [4, null, 1.7],
      ],
      { valid: 2.1, train: 2.0 },
    );
    const { decisions, progress } = judgeNewSteps({ sweep, runs: [first], recorded: [] });
    expect(decisions).toEqual([
      expect.objectContaining({ jobId: "job-0", milestone: 4, metricName: "valid_loss", metric: 2.1, stop: false }),
    ]);
    expect(progress).toEqual([{ position: 0, seenStep: 4, valid: 2.1, train: 1.7 }]);
  });

  it("judges in run order against earlier passes' values and this pass's own, and stops judging a run once it is stopped", () => {
    const good = run(0, 3, [[4, 0.5, 0.5]]);
    const bad = run(1, 3, [
      [4, 0.9, 0.9],
      [8, 0.2, 0.2],
    ]);
    const recorded = [{ jobId: "job-9", milestone: 4, metricName: "valid_loss" as const, metric: 0.6 }];
    expect(milestonesCrossed(asha, [good, bad])).toEqual([4, 8]);
    const { decisions, progress } = judgeNewSteps({ sweep, runs: [good, bad], recorded });
    expect(decisions.map((d) => [d.jobId, d.milestone, d.stop, d.peers])).toEqual([
      ["job-0", 4, false, 1],
      ["job-1", 4, true, 2], // above the top half of 0.6, 0.5 and its own 0.9; never judged at 8
    ]);
    expect(decisions[1]!.reason).toMatch(/^stopped early by sweep lr: valid loss 0\.9 at step 4 > /);
    expect(progress.map((p) => p.seenStep)).toEqual([4, 8]); // the stopped run is read to its newest step all the same
  });

  it("falls back to train loss without a validation report, reads a diverged (NaN) loss as the worst, and skips runs with no new step", () => {
    const trainOnly = run(0, 0, [[4, null, 1.1]]);
    const diverged = run(1, 0, [[4, Number.NaN, Number.NaN]]);
    const idle = run(2, 4, []);
    const { decisions, progress } = judgeNewSteps({ sweep, runs: [trainOnly, diverged, idle], recorded: [] });
    expect(decisions.map((d) => [d.jobId, d.metricName, d.metric])).toEqual([
      ["job-0", "train_loss", 1.1],
      ["job-1", "valid_loss", Number.POSITIVE_INFINITY],
    ]);
    expect(progress.map((p) => p.position)).toEqual([0, 1]);
  });
});

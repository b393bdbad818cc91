import { describe, expect, it } from "vitest";
import { judgeAsha, judgeMedian, milestonesFor, quantile, stopReason } from "@/server/sweeps/policies";
import { earlyStoppingSchema, gridRuns } from "@/server/sweeps/schema";

const rule = (over: object) => earlyStoppingSchema.parse(over);

describe("sweep policies", () => {
  it("milestones: asha rungs r·η^k, median every r steps, none for none", () => {
    expect(milestonesFor(rule({ policy: "asha", min_steps: 5, reduction_factor: 2 }), 48)).toEqual([5, 10, 20, 40]);
    expect(milestonesFor(rule({ policy: "asha", min_steps: 4, reduction_factor: 3 }), 100)).toEqual([4, 12, 36]);
    expect(milestonesFor(rule({ policy: "median", min_steps: 10 }), 35)).toEqual([10, 20, 30]);
    expect(milestonesFor(rule({ policy: "none" }), 35)).toEqual([]);
  });

  it("quantile interpolates", () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1 / 3)).toBe(2);
    expect(quantile([7], 0.25)).toBe(7);
  });

  it("median: never with fewer than two others; stops only a run worse than their median", () => {
    expect(judgeMedian(9, [1])).toEqual({ stop: false, threshold: null, peers: 1 });
    expect(judgeMedian(0.4, [0.3, 0.5])).toEqual({ stop: false, threshold: 0.4, peers: 2 });
    expect(judgeMedian(0.41, [0.3, 0.5])).toMatchObject({ stop: true, peers: 2 });
    expect(judgeMedian(0.2, [0.3, 0.5, 0.9])).toMatchObject({ stop: false, threshold: 0.5 });
  });

  it("asha: the first at a rung goes on; then only the top 1/η of those at the rung", () => {
    expect(judgeAsha(5, [], 2)).toEqual({ stop: false, threshold: null, peers: 0 });
    expect(judgeAsha(0.6, [0.5], 2).stop).toBe(true);
    expect(judgeAsha(0.4, [0.5], 2).stop).toBe(false);
    // η = 3 over [0.1, 0.2, x]: x goes on only as the best third.
    expect(judgeAsha(0.3, [0.1, 0.2], 3).stop).toBe(true);
    expect(judgeAsha(0.05, [0.1, 0.2], 3).stop).toBe(false);
  });

  it("says why, with the metric, step and threshold", () => {
    const reason = stopReason({
      sweep: "lr-search",
      rule: rule({ policy: "median" }),
      metric: "valid_loss",
      step: 120,
      value: 0.412,
      verdict: { stop: true, threshold: 0.305, peers: 3 },
    });
    expect(reason).toBe("stopped early by sweep lr-search: valid loss 0.412 at step 120 > median 0.305 of 3 runs");
  });

  it("a grid spans every combination", () => {
    expect(gridRuns({ learning_rate_multiplier: [0.1, 2], n_epochs: [1, 2] })).toEqual([
      { n_epochs: 1, learning_rate_multiplier: 0.1 },
      { n_epochs: 1, learning_rate_multiplier: 2 },
      { n_epochs: 2, learning_rate_multiplier: 0.1 },
      { n_epochs: 2, learning_rate_multiplier: 2 },
    ]);
  });
});

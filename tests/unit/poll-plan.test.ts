import { describe, expect, it } from "vitest";
import { secondsUntilShare } from "../../server/guardrails/rules";
import { planNextPoll, pollFloorSeconds, QUIET_MAX_SECONDS, type PollFacts } from "../../server/worker/poll-plan";

const now = new Date("2026-12-06T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const facts = (overrides: Partial<PollFacts> = {}): PollFacts => ({
  now,
  status: "running",
  runningSince: ago(60 * 60_000),
  lastChangeAt: ago(60 * 60_000),
  watchedUntil: null,
  guardrailShare: 0,
  ...overrides,
});

describe("the next poll follows need", () => {
  it("puts a cancel being confirmed first, then guardrails near their limit and watched jobs, then new and changing jobs", () => {
    const order = [
      planNextPoll(facts({ status: "cancelling" })),
      planNextPoll(facts({ guardrailShare: 0.9 })),
      planNextPoll(facts({ watchedUntil: new Date(now.getTime() + 30_000) })),
      planNextPoll(facts({ runningSince: ago(30_000), lastChangeAt: ago(1_000) })),
      planNextPoll(facts({ lastChangeAt: ago(20_000) })),
      planNextPoll(facts()),
    ];
    expect(order.map((p) => p.need)).toEqual(["confirming_cancel", "guardrail_near", "watched", "starting", "changing", "quiet"]);
    for (let i = 1; i < order.length; i++) {
      expect(order[i]!.priority).toBeLessThanOrEqual(order[i - 1]!.priority);
      expect(order[i]!.seconds).toBeGreaterThanOrEqual(order[i - 1]!.seconds);
    }
    expect(order.filter((p) => p.urgent).map((p) => p.need)).toEqual(["confirming_cancel", "guardrail_near", "watched"]);
  });

  it("a cancel being confirmed is urgent whatever else is true of the job", () => {
    expect(planNextPoll(facts({ status: "cancelling", guardrailShare: 2, watchedUntil: new Date(now.getTime() + 1) })).need).toBe(
      "confirming_cancel",
    );
  });

  it("a watch that has run out no longer counts", () => {
    expect(planNextPoll(facts({ watchedUntil: ago(1) })).need).toBe("quiet");
  });

  it("backs a quiet job off with how long it has been quiet, never past the bound", () => {
    const intervals = [3, 5, 10, 60, 600, 6_000].map((minutes) => planNextPoll(facts({ lastChangeAt: ago(minutes * 60_000) })).seconds);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]!).toBeGreaterThanOrEqual(intervals[i - 1]!);
    expect(Math.max(...intervals)).toBe(QUIET_MAX_SECONDS);
    expect(planNextPoll(facts({ lastChangeAt: null })).seconds).toBe(QUIET_MAX_SECONDS);
  });
});

describe("a busy fleet stays within its budget", () => {
  it("the routine floor is what keeps routine polls within their share of the budget", () => {
    // 10,000 jobs, two requests a poll, half of 20 a second: one poll of each every 2,000 s.
    expect(pollFloorSeconds(10_000, 20)).toBe(2_000);
    expect(pollFloorSeconds(40, 200)).toBeCloseTo(0.8);
  });

  it("stretches routine polls to the floor, never urgent ones", () => {
    const floor = { routineFloorSeconds: 2_000 };
    for (const routine of [facts(), facts({ lastChangeAt: ago(20_000) }), facts({ runningSince: ago(30_000) })]) {
      expect(planNextPoll({ ...routine, ...floor }).seconds).toBe(2_000);
    }
    expect(planNextPoll(facts({ ...floor, status: "cancelling" })).seconds).toBe(2);
    expect(planNextPoll(facts({ ...floor, guardrailShare: 0.9 })).seconds).toBe(2);
    expect(planNextPoll(facts({ ...floor, watchedUntil: new Date(now.getTime() + 30_000) })).seconds).toBe(3);
    // Below the plan's own interval the floor changes nothing.
    expect(planNextPoll(facts({ routineFloorSeconds: 1 }))).toEqual(planNextPoll(facts()));
  });

  it("reads a job again just before its guardrail is due to come near its limit, however long the floor", () => {
    const plan = planNextPoll(facts({ routineFloorSeconds: 2_000, secondsUntilGuardrailNear: 125.7 }));
    expect(plan).toMatchObject({ need: "guardrail_near", seconds: 125, urgent: true });
    // Never sooner than the urgent interval itself.
    expect(planNextPoll(facts({ routineFloorSeconds: 2_000, secondsUntilGuardrailNear: 0 })).seconds).toBe(2);
  });
});

describe("when a guardrail comes near", () => {
  const g = (rules: object) => rules as Parameters<typeof secondsUntilShare>[0];
  const pace = { now, runningSince: ago(100_000), costSoFarUsd: 2 };
  it("projects cost at its pace so far, and run time as it is", () => {
    // $2 in 100 s: $8 (80 % of $10) 300 s from now.
    expect(secondsUntilShare(g({ max_cost_usd: { limit: 10 } }), pace, 0.8)).toBeCloseTo(300);
    // 80 % of 1,000 s is 800 s; 100 s have passed.
    expect(secondsUntilShare(g({ max_runtime_seconds: { limit: 1_000 } }), pace, 0.8)).toBeCloseTo(700);
    // The nearer of the two; 0 once past.
    expect(secondsUntilShare(g({ max_cost_usd: { limit: 10 }, max_runtime_seconds: { limit: 1_000 } }), pace, 0.8)).toBeCloseTo(300);
    expect(secondsUntilShare(g({ max_cost_usd: { limit: 2 } }), pace, 0.8)).toBe(0);
    // A stall limit is judged from the last step read: read again within 80 % of it.
    expect(secondsUntilShare(g({ stall_after_seconds: { limit: 600 } }), pace, 0.8)).toBeCloseTo(480);
  });
  it("a cost not yet known to grow is looked at again within 45 s; no limit, never", () => {
    expect(secondsUntilShare(g({ max_cost_usd: { limit: 10 } }), { ...pace, costSoFarUsd: null }, 0.8)).toBe(45);
    expect(secondsUntilShare(g({}), pace, 0.8)).toBe(Number.POSITIVE_INFINITY);
  });
});

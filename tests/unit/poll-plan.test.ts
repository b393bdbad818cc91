import { describe, expect, it } from "vitest";
import { planNextPoll, QUIET_MAX_SECONDS, type PollFacts } from "../../server/worker/poll-plan";

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

import { describe, expect, it } from "vitest";
import { lanesFor } from "../../server/worker/runner";

describe("lanesFor", () => {
  it("fetches the concurrency in batches of at least four, over at most four lanes", () => {
    expect(lanesFor(1)).toEqual({ lanes: 1, batchSize: 1 });
    expect(lanesFor(4)).toEqual({ lanes: 1, batchSize: 4 });
    expect(lanesFor(16)).toEqual({ lanes: 4, batchSize: 4 });
    expect(lanesFor(64)).toEqual({ lanes: 4, batchSize: 16 });
    for (let concurrency = 1; concurrency <= 64; concurrency++) {
      const { lanes, batchSize } = lanesFor(concurrency);
      // Never fewer steps in flight than asked, and never more than one batch's worth over.
      expect(lanes * batchSize).toBeGreaterThanOrEqual(concurrency);
      expect(lanes * batchSize - concurrency).toBeLessThan(lanes);
    }
  });
});

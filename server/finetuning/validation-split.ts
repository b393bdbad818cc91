import { MIN_GOLDEN_RECORDS } from "./schema";

// A share of a job's golden records is held out of training and uploaded as
// the provider's validation file, so the provider reports validation loss
// (the metric sweeps judge runs by). Which records: server/worker/training-file.ts.

/** The share held out: a tenth, rounded down. */
export const VALIDATION_SHARE = 0.1;

/**
 * How many of `records` golden records are held out: a tenth, rounded down but
 * at least one, and only while at least MIN_GOLDEN_RECORDS (the provider's
 * minimum) stay to train on, so from 11 records on (11 → 1, 25 → 2, 200 → 20).
 */
export function heldOutCount(records: number): number {
  if (records <= MIN_GOLDEN_RECORDS) return 0;
  return Math.min(Math.max(1, Math.floor(records * VALIDATION_SHARE)), records - MIN_GOLDEN_RECORDS);
}

/** The examples a job with `records` golden records trains on. */
export function trainingExampleCount(records: number): number {
  return records - heldOutCount(records);
}

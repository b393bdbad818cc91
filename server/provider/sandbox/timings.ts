// Timings validation; JSON has no Infinity, so the control API uses null
// (or the string "Infinity") for "never finishes on its own".
import { ApiError } from "./http";
import type { SandboxTimings } from "./types";

const KEYS = ["fileProcessingMs", "validatingMs", "queuedMs", "runningMs", "cancelConfirmMs"] as const;

function timingValue(value: unknown, key: string): number {
  if (value === null || value === "Infinity" || value === Infinity) return Infinity;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new ApiError(
      400,
      `Invalid timing '${key}': expected a non-negative number of milliseconds, or null for never.`,
      "invalid_request_error",
      key,
    );
  }
  return value;
}

/** Validates a partial timings object from code or JSON; unknown keys are rejected. */
export function parseTimings(value: unknown): Partial<SandboxTimings> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(400, "Invalid timings: expected an object.", "invalid_request_error", "timings");
  }
  const out: Partial<SandboxTimings> = {};
  for (const [key, item] of Object.entries(value)) {
    const known = KEYS.find((k) => k === key);
    if (!known) throw new ApiError(400, `Unknown timing '${key}'. Known: ${KEYS.join(", ")}.`, "invalid_request_error", key);
    if (item !== undefined) out[known] = timingValue(item, key);
  }
  return out;
}

export function timingsJson(timings: SandboxTimings): Record<string, number | null> {
  return Object.fromEntries(KEYS.map((key) => [key, Number.isFinite(timings[key] ?? 0) ? (timings[key] ?? 0) : null]));
}

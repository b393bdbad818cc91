// Fault injection: ordered rules, each consumed by the next N matching requests.
import { ApiError } from "./http";
import type { Fault, FaultRule } from "./types";

type ActiveRule = { route: string; method: string; path: RegExp; fault: Fault; remaining: number };

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** "GET /v1/fine_tuning/jobs/*" → method + regexp; `*` = one segment, `**` = anything. */
export function compileRoute(route: string): { method: string; path: RegExp } {
  const match = /^\s*(\S+)\s+(\/\S*)\s*$/.exec(route);
  if (!match?.[1] || !match[2]) {
    throw new ApiError(400, `Invalid fault route ${JSON.stringify(route)}: expected "METHOD /path".`, "invalid_request_error", "route");
  }
  const source = match[2]
    .split("**")
    .map((part) => part.split("*").map(escapeRegExp).join("[^/]*"))
    .join(".*");
  return { method: match[1].toUpperCase(), path: new RegExp(`^${source.replace(/\/$/, "")}/?$`) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ApiError(400, `Invalid fault: ${name} must be a non-negative number.`, "invalid_request_error", name);
  }
  return value;
}

/** Validates a fault coming from JSON (control API) or from code. */
export function parseFault(value: unknown): Fault {
  if (!isRecord(value)) throw new ApiError(400, "Invalid fault: expected an object.", "invalid_request_error", "fault");
  switch (value["kind"]) {
    case "status": {
      const status = nonNegative(value["status"], "status");
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new ApiError(400, "Invalid fault: status must be 400-599.", "invalid_request_error", "status");
      }
      const message = value["message"];
      return typeof message === "string" ? { kind: "status", status, message } : { kind: "status", status };
    }
    case "rate_limit":
      return { kind: "rate_limit", retryAfterSeconds: nonNegative(value["retryAfterSeconds"] ?? 1, "retryAfterSeconds") };
    case "slow":
      return { kind: "slow", delayMs: nonNegative(value["delayMs"], "delayMs") };
    case "drop":
      return { kind: "drop" };
    case "drop_after_effect":
      return { kind: "drop_after_effect" };
    default:
      throw new ApiError(400, `Invalid fault kind ${JSON.stringify(value["kind"])}.`, "invalid_request_error", "kind");
  }
}

export function parseRule(value: unknown): FaultRule {
  if (!isRecord(value) || typeof value["route"] !== "string") {
    throw new ApiError(400, "Invalid fault rule: expected {route, fault, times?}.", "invalid_request_error", "route");
  }
  compileRoute(value["route"]); // throws on a malformed route
  const times = value["times"] ?? 1;
  if (typeof times !== "number" || !Number.isInteger(times) || times < 1) {
    throw new ApiError(400, "Invalid fault rule: times must be a positive integer.", "invalid_request_error", "times");
  }
  return { route: value["route"], fault: parseFault(value["fault"]), times };
}

export class FaultBook {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const checked = parseRule(rule);
    const { method, path } = compileRoute(checked.route);
    this.rules.push({ route: checked.route, method, path, fault: checked.fault, remaining: checked.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if any; consumes one use of the first matching rule. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find((r) => (r.method === "*" || r.method === method) && r.path.test(path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }

  pending(): Array<{ route: string; fault: Fault; remaining: number }> {
    return this.rules.map(({ route, fault, remaining }) => ({ route, fault, remaining }));
  }
}

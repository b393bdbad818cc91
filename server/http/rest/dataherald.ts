import { AppError } from "../../errors";
import type { JsonObject } from "./request";

// Dataherald's hosted API, which its official SDK (dataherald-python) calls:
// `GET/POST /api/finetunings`, `GET /api/finetunings/{id}`,
// `POST /api/finetunings/{id}/cancel`. The same procedures answer them as
// /api/v1; only the wire differs: the golden record ids are `golden_sqls`.

export const HOSTED_BASE_PATH = "/api";
export const HOSTED_PREFIX = `${HOSTED_BASE_PATH}/finetunings`;

/** The procedures the SDK's `client.finetunings` calls (create, list, retrieve, cancel). */
export const HOSTED_PROCEDURES: ReadonlySet<string> = new Set([
  "finetuning.create",
  "finetuning.list",
  "finetuning.get",
  "finetuning.cancel",
]);

export function isHostedPath(pathname: string): boolean {
  return pathname === HOSTED_PREFIX || pathname.startsWith(`${HOSTED_PREFIX}/`);
}

/**
 * A hosted request body in the procedures' terms: `golden_sqls` is
 * `golden_records` (older SDK releases send `golden_records`, also accepted).
 */
export function fromHostedBody(body: JsonObject | undefined): JsonObject | undefined {
  if (!body || !Object.hasOwn(body, "golden_sqls")) return body;
  if (Object.hasOwn(body, "golden_records")) {
    throw new AppError("BAD_REQUEST", "golden_sqls: send the golden record ids once, as golden_sqls (or golden_records), not both.", {
      field: "golden_sqls",
    });
  }
  const { golden_sqls: goldenSqls, ...rest } = body;
  return { ...rest, golden_records: goldenSqls };
}

function hostedJob(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const { golden_records: goldenRecords, ...job } = value as JsonObject;
  return goldenRecords === undefined ? job : { ...job, golden_sqls: goldenRecords };
}

const GOLDEN_RECORDS = /\bgolden_records\b/g;

/** An answer of /api/v1 as the hosted API words it: jobs with `golden_sqls`, errors naming `golden_sqls`. */
export function toHostedBody(response: { status: number; body: string | null }): string | null {
  if (response.body === null) return null;
  const value: unknown = JSON.parse(response.body);
  if (Array.isArray(value)) return JSON.stringify(value.map(hostedJob));
  if (response.status >= 400) {
    const error = (value as { error: { message: string; field?: string } }).error;
    const renamed = { ...error, message: error.message.replace(GOLDEN_RECORDS, "golden_sqls") };
    if (error.field) renamed.field = error.field.replace(GOLDEN_RECORDS, "golden_sqls");
    return JSON.stringify({ error: renamed });
  }
  return JSON.stringify(hostedJob(value));
}

import "server-only";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { Actor } from "../auth/actor";
import type { ProviderSource } from "../provider/types";
import { cancelJob } from "./cancel";
import { notFound } from "./errors";
import {
  CANCEL_MANY_MAX_JOBS,
  CANCEL_OUTCOMES,
  type CancelManyInput,
  type CancelManyOutput,
  type CancelManyResult,
  type CancelOutcome,
} from "./cancel-many-schema";
import { JOB_SELECT, toWireJob, type JobRow } from "./job-row";
import { isTerminal } from "./schema";

// How many provider cancels run at once: enough to finish 1,000 jobs in
// seconds, few enough not to trip the provider's rate limit.
const PROVIDER_CONCURRENCY = 8;

/**
 * Cancels many jobs (docs/CONTRACT.md, "Bulk cancel"), each exactly as one
 * cancel would (same guarded transition, same provider retries), so a
 * provider outage fails only the jobs it touches and the others are
 * cancelled. A dry run reads the same selection and changes nothing.
 */
export async function cancelManyJobs(args: {
  db: Db;
  provider: ProviderSource;
  actor: Actor;
  input: CancelManyInput;
}): Promise<CancelManyOutput> {
  const { db, provider, actor, input } = args;
  const ids = input.ids ? [...new Set(input.ids)] : await idsMatching(db, input);
  const rows = new Map(
    (await db.finetuningJob.findMany({ where: { id: { in: ids }, deletedAt: null }, select: JOB_SELECT })).map((r) => [r.id, r]),
  );

  const results = await mapBounded(ids, input.dry_run ? ids.length : PROVIDER_CONCURRENCY, async (id): Promise<CancelManyResult> => {
    const row = rows.get(id);
    if (!row) return result(id, "not_found", null, notFound(id).message);
    const before = judge(row);
    if (input.dry_run || before !== "will_cancel") return result(id, before, row, before === "will_cancel" ? null : reasonFor(row));
    try {
      const job = await cancelJob({ db, provider, actor, id, metadata: input.metadata });
      const outcome = job.status === "cancelling" ? "cancelling" : "cancelled";
      return { finetuning_id: id, outcome, status: job.status, reason: null, spent_usd: spent(job.cost) };
    } catch (error) {
      return failure(db, id, row, error);
    }
  });
  const counts = Object.fromEntries(CANCEL_OUTCOMES.map((o) => [o, 0])) as Record<CancelOutcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  const spentUsd = results
    .filter((r) => r.outcome === "will_cancel" || r.outcome === "cancelled" || r.outcome === "cancelling")
    .reduce((sum, r) => sum + (r.spent_usd ?? 0), 0);
  return { dry_run: input.dry_run, counts, spent_usd: Math.round(spentUsd * 10_000) / 10_000, results };
}

async function idsMatching(db: Db, input: CancelManyInput): Promise<string[]> {
  const f = input.filter ?? {};
  const where = {
    deletedAt: null,
    ...(f.db_connection_id ? { dbConnectionId: f.db_connection_id } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.stopped_by_guardrail === undefined ? {} : { guardrailStoppedAt: f.stopped_by_guardrail ? { not: null } : null }),
  };
  const found = await db.finetuningJob.findMany({
    where,
    select: { id: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: CANCEL_MANY_MAX_JOBS + 1,
  });
  if (found.length > CANCEL_MANY_MAX_JOBS) {
    const total = await db.finetuningJob.count({ where });
    throw new AppError(
      "BAD_REQUEST",
      `The filter matches ${total.toLocaleString("en")} jobs; at most ${CANCEL_MANY_MAX_JOBS.toLocaleString("en")} can be cancelled per call. Narrow the filter (by connection or status) or cancel by ids in batches.`,
      { field: "filter" },
    );
  }
  return found.map((r) => r.id);
}

function judge(row: JobRow): CancelOutcome {
  if (row.status === "cancelled") return "already_cancelled";
  if (isTerminal(row.status)) return "already_finished";
  return "will_cancel";
}

function reasonFor(row: JobRow): string {
  return row.status === "cancelled" ? "It was already cancelled." : `It has already ${row.status}.`;
}

async function failure(db: Db, id: string, row: JobRow, error: unknown): Promise<CancelManyResult> {
  if (!(error instanceof AppError)) {
    console.error(`bulk cancel of ${id} failed`, error);
    return result(id, "conflict", row, "An unexpected error; retry.");
  }
  const now = await db.finetuningJob.findUnique({ where: { id }, select: JOB_SELECT });
  if (error.code === "BAD_GATEWAY") return result(id, "provider_unreachable", now ?? row, error.message);
  if (error.code === "NOT_FOUND") return result(id, "not_found", null, error.message);
  if (now && isTerminal(now.status))
    return result(id, now.status === "cancelled" ? "already_cancelled" : "already_finished", now, error.message);
  return result(id, "conflict", now ?? row, error.message);
}

function result(id: string, outcome: CancelOutcome, row: JobRow | null, reason: string | null): CancelManyResult {
  return { finetuning_id: id, outcome, status: row?.status ?? null, reason, spent_usd: row ? spent(toWireJob(row).cost) : null };
}

const spent = (cost: { so_far_usd: number | null; final_usd: number | null }) => cost.final_usd ?? cost.so_far_usd;

/** Runs `fn` over `items` with at most `limit` at once; answers in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

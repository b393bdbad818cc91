import type { Db } from "../db";
import type { ProviderSource } from "../provider/types";
import { evaluateGuardrails, GUARDED_STATUSES } from "./evaluate";

const BATCH = 1_000;

/**
 * Re-checks the guardrails that time alone can trip: the worker's step checks
 * a job as its metrics arrive, but a stalled or queued job sends nothing, so
 * the worker's periodic reconcile calls this too. Only jobs whose time limit
 * may have run out are looked at (cost and loss only change with a step, which
 * checks them), so the pass costs what is due, not what exists. Each job's
 * failure is its own.
 */
export async function recheckGuardrails(args: { db: Db; provider: ProviderSource; now?: Date }): Promise<void> {
  const { db } = args;
  const jobs = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM finetuning_jobs
    WHERE status::text = ANY(${[...GUARDED_STATUSES]}::text[]) AND deleted_at IS NULL
      AND guardrails IS NOT NULL AND guardrails <> '{}'::jsonb
      AND (created_at + make_interval(secs => (guardrails->'max_runtime_seconds'->>'limit')::float8) < now()
        OR created_at + make_interval(secs => (guardrails->'max_queue_time_seconds'->>'limit')::float8) < now()
        OR (created_at + make_interval(secs => (guardrails->'stall_after_seconds'->>'limit')::float8) < now()
          AND COALESCE((SELECT m.at FROM job_metrics m WHERE m.job_id = finetuning_jobs.id ORDER BY m.step DESC LIMIT 1), created_at)
            + make_interval(secs => (guardrails->'stall_after_seconds'->>'limit')::float8) < now()))
    ORDER BY created_at LIMIT ${BATCH}`;
  for (const { id } of jobs) {
    await evaluateGuardrails({ ...args, jobId: id }).catch((error: unknown) =>
      console.error(`guardrails of job ${id} could not be evaluated`, error),
    );
  }
}

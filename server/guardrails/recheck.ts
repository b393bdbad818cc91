import type { Db } from "../db";
import type { ProviderSource } from "../provider/types";
import { evaluateGuardrails, GUARDED_STATUSES } from "./evaluate";

const BATCH = 1_000;

/**
 * Re-checks every guarded job's guardrails: the worker's step checks a job as
 * its metrics arrive, but a stalled or queued job sends nothing, so the
 * worker's periodic reconcile calls this too. Each job's failure is its own.
 */
export async function recheckGuardrails(args: { db: Db; provider: ProviderSource; now?: Date }): Promise<void> {
  const { db } = args;
  const jobs = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM finetuning_jobs
    WHERE status::text = ANY(${[...GUARDED_STATUSES]}::text[]) AND deleted_at IS NULL
      AND guardrails IS NOT NULL AND guardrails <> '{}'::jsonb
    ORDER BY created_at LIMIT ${BATCH}`;
  for (const { id } of jobs) {
    await evaluateGuardrails({ ...args, jobId: id }).catch((error: unknown) =>
      console.error(`guardrails of job ${id} could not be evaluated`, error),
    );
  }
}

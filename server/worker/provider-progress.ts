import type { Db } from "../db";
import type { JobRow } from "../finetuning/job-row";
import type { FinetuningProvider, ProviderJob } from "../provider/types";

/**
 * Mirrors what the provider job says of its progress beyond events: its
 * estimated finish (cleared when it is not training), its billed tokens once
 * it ends, and its checkpoints (each stored once). Writes and provider calls
 * only when something can have changed: a poll of a quiet job costs nothing.
 */
export async function recordProviderProgress(args: {
  db: Db;
  provider: FinetuningProvider;
  job: Pick<JobRow, "id" | "status" | "estimatedFinish" | "trainedTokens">;
  providerJob: ProviderJob;
  /** Steps this poll ingested: a new step may have closed an epoch, and so made a checkpoint. */
  newSteps: number;
}): Promise<void> {
  const { db, provider, job, providerJob } = args;
  const estimatedFinish = providerJob.status === "running" ? providerJob.estimatedFinish : null;
  const trainedTokens = providerJob.trainedTokens ?? job.trainedTokens;
  if ((estimatedFinish?.getTime() ?? null) !== (job.estimatedFinish?.getTime() ?? null) || trainedTokens !== job.trainedTokens) {
    await db.$executeRaw`
      UPDATE finetuning_jobs SET estimated_finish = ${estimatedFinish}::timestamptz, trained_tokens = ${trainedTokens}::int
      WHERE id = ${job.id}::uuid`;
  }
  // A job that just ended (its status not yet recorded here) is looked at once more, for its last checkpoint.
  const justEnded = providerJob.status !== job.status && providerJob.status === "succeeded";
  if (args.newSteps === 0 && !justEnded) return;
  const checkpoints = await provider.listCheckpoints(providerJob.id);
  if (checkpoints.length === 0) return;
  await db.jobCheckpoint.createMany({
    data: checkpoints.map((c) => ({
      jobId: job.id,
      providerCheckpointId: c.id,
      model: c.model,
      step: c.step,
      metrics: JSON.parse(
        JSON.stringify(c.metrics, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)),
      ) as object,
      createdAt: c.createdAt,
    })),
    skipDuplicates: true,
  });
}

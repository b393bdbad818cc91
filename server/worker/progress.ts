import type { Db } from "../db";
import type { FinetuningProvider, ProviderJob } from "../provider/types";

// Statuses in which the provider may have made checkpoints.
const TRAINED = new Set<ProviderJob["status"]>(["running", "pausing", "paused", "succeeded", "failed", "cancelled"]);

/**
 * Mirrors what the provider job says of its progress beyond events: its
 * estimated finish (cleared when it is not training), its billed tokens once
 * it ends, and its checkpoints (each stored once).
 */
export async function recordProviderProgress(args: { db: Db; provider: FinetuningProvider; jobId: string; providerJob: ProviderJob }): Promise<void> {
  const { db, provider, jobId, providerJob } = args;
  await db.$executeRaw`
    UPDATE finetuning_jobs SET
      estimated_finish = ${providerJob.status === "running" ? providerJob.estimatedFinish : null}::timestamptz,
      trained_tokens = COALESCE(${providerJob.trainedTokens}::int, trained_tokens)
    WHERE id = ${jobId}::uuid`;
  if (!TRAINED.has(providerJob.status)) return;
  const checkpoints = await provider.listCheckpoints(providerJob.id);
  if (checkpoints.length === 0) return;
  await db.jobCheckpoint.createMany({
    data: checkpoints.map((c) => ({
      jobId,
      providerCheckpointId: c.id,
      model: c.model,
      step: c.step,
      metrics: JSON.parse(JSON.stringify(c.metrics, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v))) as object,
      createdAt: c.createdAt,
    })),
    skipDuplicates: true,
  });
}

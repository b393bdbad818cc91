import type { Db } from "../db";
import { ProviderNotFoundError, type FinetuningProvider } from "../provider/types";
import { isActive } from "./schema";

/**
 * After a job ends (cancelled, failed or deleted): make sure no provider job
 * for it keeps running and delete its training file. Idempotent; the worker's
 * sweep calls it again for any job whose cleanup did not complete.
 */
export async function cleanUpProviderSide(args: { db: Db; provider: FinetuningProvider; id: string }): Promise<void> {
  const { db, provider, id } = args;
  const job = await db.finetuningJob.findUnique({
    where: { id },
    select: { status: true, finetuningFileId: true, finetuningJobId: true, providerCleanedAt: true, deletedAt: true },
  });
  if (!job || job.providerCleanedAt || (!job.finetuningFileId && !job.finetuningJobId)) return;
  const ended = job.status === "cancelled" || job.status === "failed" || job.deletedAt !== null;
  if (!ended || isActive(job.status)) return;

  if (job.finetuningJobId) {
    const there = await provider.retrieveJob(job.finetuningJobId).catch((error: unknown) => {
      if (error instanceof ProviderNotFoundError) return null; // nothing left to stop
      throw error;
    });
    if (there && there.status !== "succeeded" && there.status !== "failed" && there.status !== "cancelled") {
      await provider.cancelJob(job.finetuningJobId);
    }
  }
  if (job.finetuningFileId) await provider.deleteFile(job.finetuningFileId);
  // Bookkeeping, not a change of the job: updated_at stays as it was.
  await db.$executeRaw`UPDATE finetuning_jobs SET provider_cleaned_at = now() WHERE id = ${id}::uuid AND provider_cleaned_at IS NULL`;
}

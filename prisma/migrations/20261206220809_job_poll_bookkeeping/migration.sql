-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "provider_polled_at" TIMESTAMPTZ(3),
ADD COLUMN     "watched_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "finetuning_jobs_provider_polled_at_idx" ON "finetuning_jobs"("provider_polled_at");

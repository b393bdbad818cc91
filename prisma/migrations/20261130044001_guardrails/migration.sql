-- AlterEnum
ALTER TYPE "JobEventKind" ADD VALUE 'guardrail_triggered';

-- AlterTable
ALTER TABLE "db_connections" ADD COLUMN     "guardrails" JSONB;

-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "guardrail_stopped_at" TIMESTAMPTZ(3),
ADD COLUMN     "guardrail_trips" JSONB,
ADD COLUMN     "guardrails" JSONB;

-- CreateIndex
CREATE INDEX "finetuning_jobs_guardrail_stopped_at_idx" ON "finetuning_jobs"("guardrail_stopped_at");

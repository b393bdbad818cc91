-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "JobStatus" ADD VALUE 'pausing';
ALTER TYPE "JobStatus" ADD VALUE 'paused';

-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "estimated_finish" TIMESTAMPTZ(3),
ADD COLUMN     "last_provider_event_id" TEXT,
ADD COLUMN     "step" INTEGER,
ADD COLUMN     "total_steps" INTEGER,
ADD COLUMN     "train_loss" DOUBLE PRECISION,
ADD COLUMN     "trained_tokens" INTEGER,
ADD COLUMN     "training_file_tokens" INTEGER,
ADD COLUMN     "valid_loss" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "job_metrics" (
    "job_id" UUID NOT NULL,
    "step" INTEGER NOT NULL,
    "total_steps" INTEGER,
    "train_loss" DOUBLE PRECISION,
    "train_mean_token_accuracy" DOUBLE PRECISION,
    "valid_loss" DOUBLE PRECISION,
    "valid_mean_token_accuracy" DOUBLE PRECISION,
    "full_valid_loss" DOUBLE PRECISION,
    "full_valid_mean_token_accuracy" DOUBLE PRECISION,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_metrics_pkey" PRIMARY KEY ("job_id","step")
);

-- CreateTable
CREATE TABLE "job_checkpoints" (
    "job_id" UUID NOT NULL,
    "provider_checkpoint_id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "metrics" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_checkpoints_pkey" PRIMARY KEY ("job_id","provider_checkpoint_id")
);

-- CreateIndex
CREATE INDEX "job_checkpoints_job_id_step_idx" ON "job_checkpoints"("job_id", "step");

-- AddForeignKey
ALTER TABLE "job_metrics" ADD CONSTRAINT "job_metrics_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "finetuning_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_checkpoints" ADD CONSTRAINT "job_checkpoints_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "finetuning_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateEnum
CREATE TYPE "SweepStatus" AS ENUM ('running', 'paused', 'completed', 'cancelled');

-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "parent_checkpoint_id" TEXT,
ADD COLUMN     "parent_job_id" UUID,
ADD COLUMN     "parent_step" INTEGER,
ADD COLUMN     "sweep_id" UUID;

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "SweepStatus" NOT NULL DEFAULT 'running',
    "db_connection_id" UUID NOT NULL,
    "model_provider" TEXT NOT NULL,
    "model_name" TEXT NOT NULL,
    "golden_records" UUID[],
    "max_concurrent" INTEGER NOT NULL,
    "max_cost_usd" DOUBLE PRECISION,
    "early_stopping" JSONB NOT NULL,
    "end_reason" TEXT,
    "best_job_id" UUID,
    "best_checkpoint_id" TEXT,
    "best_metric" DOUBLE PRECISION,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sweep_runs" (
    "sweep_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "parameters" JSONB NOT NULL,
    "job_id" UUID,
    "seen_metrics" INTEGER NOT NULL DEFAULT 0,
    "seen_step" INTEGER NOT NULL DEFAULT 0,
    "stopped_at_step" INTEGER,
    "stopped_reason" TEXT,

    CONSTRAINT "sweep_runs_pkey" PRIMARY KEY ("sweep_id","position")
);

-- CreateTable
CREATE TABLE "sweep_decisions" (
    "id" BIGSERIAL NOT NULL,
    "sweep_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "milestone" INTEGER NOT NULL,
    "stop" BOOLEAN NOT NULL,
    "metric" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION,
    "peers" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acted_at" TIMESTAMPTZ(3),

    CONSTRAINT "sweep_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweeps_created_at_id_idx" ON "sweeps"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sweeps_status_idx" ON "sweeps"("status");

-- CreateIndex
CREATE UNIQUE INDEX "sweep_runs_job_id_key" ON "sweep_runs"("job_id");

-- CreateIndex
CREATE INDEX "sweep_decisions_sweep_id_milestone_idx" ON "sweep_decisions"("sweep_id", "milestone");

-- CreateIndex
CREATE UNIQUE INDEX "sweep_decisions_sweep_id_job_id_milestone_key" ON "sweep_decisions"("sweep_id", "job_id", "milestone");

-- CreateIndex
CREATE INDEX "finetuning_jobs_parent_job_id_idx" ON "finetuning_jobs"("parent_job_id");

-- CreateIndex
CREATE INDEX "finetuning_jobs_sweep_id_idx" ON "finetuning_jobs"("sweep_id");

-- AddForeignKey
ALTER TABLE "finetuning_jobs" ADD CONSTRAINT "finetuning_jobs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sweep_runs" ADD CONSTRAINT "sweep_runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sweep_decisions" ADD CONSTRAINT "sweep_decisions_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterEnum
ALTER TYPE "JobEventKind" ADD VALUE 'sweep_run_stopped';

-- AlterTable
ALTER TABLE "sweep_decisions" ADD COLUMN     "metric_name" TEXT NOT NULL DEFAULT 'valid_loss';

-- CreateIndex
CREATE INDEX "sweep_decisions_stop_acted_at_idx" ON "sweep_decisions"("stop", "acted_at");

-- A sweep's stop of one of its runs goes out as sweep.run_stopped (the rest as before).
CREATE OR REPLACE FUNCTION webhook_event_types(kind text, from_status text, to_status text)
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind = 'status_change' AND from_status IS NULL THEN ARRAY['job.created']
    WHEN kind = 'status_change' AND from_status IS NOT DISTINCT FROM to_status THEN ARRAY[]::text[]
    WHEN kind = 'status_change' THEN
      ARRAY['job.status_changed']
      || CASE WHEN to_status IN ('cancelled', 'succeeded', 'failed', 'paused') THEN ARRAY['job.' || to_status] ELSE ARRAY[]::text[] END
      || CASE WHEN from_status IN ('paused', 'pausing') AND to_status IN ('queued', 'validating_files', 'running', 'resuming')
              THEN ARRAY['job.resumed'] ELSE ARRAY[]::text[] END
    WHEN kind = 'cancel_stuck' THEN ARRAY['job.cancel_stuck']
    WHEN kind = 'sweep_run_stopped' THEN ARRAY['sweep.run_stopped']
    WHEN kind LIKE 'checkpoint%' THEN ARRAY['job.checkpoint_created']
    WHEN kind LIKE 'guardrail%' THEN ARRAY['guardrail.triggered']
    ELSE ARRAY[]::text[]
  END
$$;

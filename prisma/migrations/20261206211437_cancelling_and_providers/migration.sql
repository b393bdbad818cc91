-- AlterEnum
ALTER TYPE "JobStatus" ADD VALUE 'cancelling' AFTER 'paused';

-- AlterEnum
ALTER TYPE "JobEventKind" ADD VALUE 'cancel_stuck';

-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "cancel_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "cancel_sends" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cancel_sent_at" TIMESTAMPTZ(3),
ADD COLUMN     "cancel_stuck_at" TIMESTAMPTZ(3),
ADD COLUMN     "provider_status" TEXT,
ADD COLUMN     "reported_price_usd" DOUBLE PRECISION;

-- A cancel the provider has not confirmed in time is its own webhook,
-- job.cancel_stuck; everything else maps as before.
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
    WHEN kind LIKE 'checkpoint%' THEN ARRAY['job.checkpoint_created']
    WHEN kind LIKE 'guardrail%' THEN ARRAY['guardrail.triggered']
    ELSE ARRAY[]::text[]
  END
$$;

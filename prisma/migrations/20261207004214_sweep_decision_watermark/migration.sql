-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "decided_version" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "metrics_version" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "sweep_runs" DROP COLUMN "seen_metrics",
ADD COLUMN     "last_train_loss" DOUBLE PRECISION,
ADD COLUMN     "last_valid_loss" DOUBLE PRECISION;

-- The losses carried in at each run's seen_step, for the runs judged before this column.
UPDATE "sweep_runs" r SET
  "last_valid_loss" = (SELECT m."valid_loss" FROM "job_metrics" m
                       WHERE m."job_id" = r."job_id" AND m."step" <= r."seen_step" AND m."valid_loss" IS NOT NULL
                       ORDER BY m."step" DESC LIMIT 1),
  "last_train_loss" = (SELECT m."train_loss" FROM "job_metrics" m
                       WHERE m."job_id" = r."job_id" AND m."step" <= r."seen_step" AND m."train_loss" IS NOT NULL
                       ORDER BY m."step" DESC LIMIT 1)
WHERE r."job_id" IS NOT NULL AND r."seen_step" > 0;

-- Every sweep still deciding is looked at once more by the next pass.
UPDATE "sweeps" SET "metrics_version" = 1 WHERE "status" IN ('running', 'paused');

-- The decision pass finds the sweeps with steps not yet judged through this
-- index, whose entries are only those sweeps: its work follows what changed,
-- not how many sweeps or runs there are.
CREATE INDEX "sweeps_undecided_idx" ON "sweeps" ("id") WHERE "metrics_version" > "decided_version";

-- A run's new metric steps mark its sweep: the same statement-level trigger
-- that counts a job's points bumps the sweep's metrics_version (once per
-- insert statement, for sweeps still deciding). The bump takes the sweep's row
-- lock, so an insert waits while a decision holds it; that decision commits
-- first, and the bump then marks the sweep again for what it did not see.
CREATE OR REPLACE FUNCTION "job_metrics_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH counted AS (
    UPDATE "finetuning_jobs" j SET "metrics_count" = j."metrics_count" + i.n
    FROM (SELECT "job_id", count(*)::int AS n FROM inserted GROUP BY "job_id") i
    WHERE i."job_id" = j."id"
    RETURNING j."sweep_id"
  )
  UPDATE "sweeps" s SET "metrics_version" = s."metrics_version" + 1
  WHERE s."id" IN (SELECT "sweep_id" FROM counted WHERE "sweep_id" IS NOT NULL)
    AND s."status" IN ('running', 'paused');
  RETURN NULL;
END $$;

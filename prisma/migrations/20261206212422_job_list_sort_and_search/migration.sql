-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "billed_epochs" INTEGER,
ADD COLUMN     "sort_cost" DOUBLE PRECISION NOT NULL DEFAULT -1,
ADD COLUMN     "sort_progress" DOUBLE PRECISION NOT NULL DEFAULT -1,
ADD COLUMN     "usd_per_1m_training_tokens" DOUBLE PRECISION;

-- CreateIndex
CREATE INDEX "finetuning_jobs_sort_progress_created_at_id_idx" ON "finetuning_jobs"("sort_progress", "created_at", "id");

-- CreateIndex
CREATE INDEX "finetuning_jobs_sort_cost_created_at_id_idx" ON "finetuning_jobs"("sort_cost", "created_at", "id");

-- The status order is the lifecycle's (JOB_STATUSES in server/finetuning/schema.ts),
-- not the enum's: values added later (pausing, paused, cancelling) sit at the
-- enum's end. A status this does not know yet sorts last; a test compares it
-- with JOB_STATUSES, so a new status is added here by a new migration.
CREATE FUNCTION "job_status_rank"(status "JobStatus") RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status::text
    WHEN 'queued' THEN 1 WHEN 'validating_files' THEN 2 WHEN 'running' THEN 3 WHEN 'pausing' THEN 4
    WHEN 'paused' THEN 5 WHEN 'cancelling' THEN 6 WHEN 'succeeded' THEN 7 WHEN 'failed' THEN 8
    WHEN 'cancelled' THEN 9 ELSE 99 END::smallint
$$;
CREATE INDEX "finetuning_jobs_status_rank_created_at_id_idx" ON "finetuning_jobs" ("job_status_rank"("status"), "created_at", "id");

-- The list's progress and cost orders read stored columns, so that an index
-- serves them. This trigger keeps them, whoever writes the job (the worker's
-- progress, the transitions, the provider's price), by the formulas of
-- progressOf (server/finetuning/job-row.ts) and jobCost (server/finetuning/cost.ts):
--   sort_progress = progress.percent: step / total_steps, at most 100; -1 unknown
--   sort_cost     = cost.so_far_usd: the provider's reported price if any, else
--                   trained tokens × price, else file tokens × epochs × the
--                   trained fraction × price; -1 unknown
-- Price and epochs are the job's own, recorded at create (createJob), since the
-- price table is the app's configuration, which the database cannot read.
CREATE FUNCTION "finetuning_jobs_sort_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cost float8;
BEGIN
  NEW."sort_progress" := CASE
    WHEN NEW."step" IS NULL OR NOT NEW."total_steps" > 0 THEN -1
    ELSE least(100, round(NEW."step" * 1000.0 / NEW."total_steps") / 10)
  END;
  cost := CASE
    WHEN NEW."reported_price_usd" IS NOT NULL THEN NEW."reported_price_usd"
    WHEN NEW."usd_per_1m_training_tokens" IS NULL THEN NULL
    WHEN NEW."trained_tokens" IS NOT NULL THEN NEW."trained_tokens"::float8 * NEW."usd_per_1m_training_tokens" / 1e6
    WHEN NEW."training_file_tokens" IS NULL OR NEW."billed_epochs" IS NULL THEN NULL
    ELSE NEW."training_file_tokens"::float8 * NEW."billed_epochs" * NEW."usd_per_1m_training_tokens" / 1e6
         * coalesce(least(1, NEW."step"::float8 / nullif(NEW."total_steps", 0)), 0)
  END;
  -- Rounded as the wire rounds it (to $0.0001), so the order is the one people read.
  NEW."sort_cost" := coalesce(round(cost::numeric, 4), -1);
  RETURN NEW;
END $$;

CREATE TRIGGER "finetuning_jobs_sort_keys"
  BEFORE INSERT OR UPDATE OF "step", "total_steps", "trained_tokens", "training_file_tokens",
    "usd_per_1m_training_tokens", "billed_epochs", "reported_price_usd"
  ON "finetuning_jobs" FOR EACH ROW EXECUTE FUNCTION "finetuning_jobs_sort_keys"();

-- Jobs made before this migration: the built-in list prices (server/finetuning/prices.ts)
-- and the epochs epochsFor (server/finetuning/cost.ts) gives them; the update fires the trigger.
UPDATE "finetuning_jobs" j SET
  "usd_per_1m_training_tokens" = p.usd,
  "billed_epochs" = CASE
    WHEN j."model_parameters"->>'n_epochs' ~ '^[0-9]{1,4}$' AND (j."model_parameters"->>'n_epochs')::int > 0
      THEN (j."model_parameters"->>'n_epochs')::int
    WHEN coalesce(cardinality(j."golden_records"), 0) = 0 THEN 3
    WHEN cardinality(j."golden_records") * 3 < 100 THEN least(25, ceil(100.0 / cardinality(j."golden_records")))::int
    WHEN cardinality(j."golden_records") * 3 > 25000 THEN greatest(1, floor(25000.0 / cardinality(j."golden_records")))::int
    ELSE 3
  END
FROM "finetuning_jobs" j0
LEFT JOIN (VALUES
  ('gpt-4o-mini-2024-07-18', 3.0), ('gpt-4o-2024-08-06', 25.0), ('gpt-4.1-2025-04-14', 25.0),
  ('gpt-4.1-mini-2025-04-14', 5.0), ('gpt-4.1-nano-2025-04-14', 1.5), ('gpt-3.5-turbo-0125', 8.0)
) AS p(model, usd) ON p.model = CASE WHEN j0."model_name" LIKE 'ft:%' THEN split_part(j0."model_name", ':', 2) ELSE j0."model_name" END
WHERE j0."id" = j."id";

-- Search: any part of the alias, in any case (ILIKE '%q%'), from a trigram index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "finetuning_jobs_alias_trgm_idx" ON "finetuning_jobs" USING gin ("alias" gin_trgm_ops);

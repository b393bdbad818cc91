-- How many metric points a job has, kept by the database whoever inserts them.
-- Points are only ever added (one per step, never updated), so the count
-- names the set: the metrics read caches its downsampled curves under it.
ALTER TABLE "finetuning_jobs" ADD COLUMN "metrics_count" INTEGER NOT NULL DEFAULT 0;

UPDATE "finetuning_jobs" j SET "metrics_count" = m.n
FROM (SELECT "job_id", count(*)::int AS n FROM "job_metrics" GROUP BY "job_id") m
WHERE m."job_id" = j."id";

CREATE FUNCTION "job_metrics_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "finetuning_jobs" j SET "metrics_count" = j."metrics_count" + i.n
  FROM (SELECT "job_id", count(*)::int AS n FROM inserted GROUP BY "job_id") i
  WHERE i."job_id" = j."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "job_metrics_count_inserted" AFTER INSERT ON "job_metrics"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "job_metrics_count_inserted"();

CREATE FUNCTION "job_metrics_count_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "finetuning_jobs" j SET "metrics_count" = greatest(j."metrics_count" - d.n, 0)
  FROM (SELECT "job_id", count(*)::int AS n FROM deleted GROUP BY "job_id") d
  WHERE d."job_id" = j."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "job_metrics_count_deleted" AFTER DELETE ON "job_metrics"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "job_metrics_count_deleted"();

-- A job's metric points are only ever added (one per step) or removed with
-- their job: the metrics read caches its curves under the job's
-- metrics_count, which an UPDATE would leave unchanged and a TRUNCATE would
-- leave wrong. Both are refused, as for job_events.
CREATE FUNCTION "job_metrics_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'job_metrics is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Insert the step (ON CONFLICT DO NOTHING), or delete the job.';
END $$;

CREATE TRIGGER "job_metrics_no_update" BEFORE UPDATE ON "job_metrics"
  FOR EACH ROW EXECUTE FUNCTION "job_metrics_append_only"();

CREATE TRIGGER "job_metrics_no_truncate" BEFORE TRUNCATE ON "job_metrics"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_metrics_append_only"();

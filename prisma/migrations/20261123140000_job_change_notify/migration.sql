-- Live updates: every change of a job's status (or of what the UI shows of
-- it) is announced on the `finetuning_job_changed` channel, so every app
-- instance can push it to its browsers. Hand-written: Prisma does not model
-- triggers, so later schema diffs leave this alone.
CREATE OR REPLACE FUNCTION finetuning_job_notify_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT'
     OR NEW.status IS DISTINCT FROM OLD.status
     OR NEW.metadata IS DISTINCT FROM OLD.metadata
     OR NEW.model_id IS DISTINCT FROM OLD.model_id
     OR NEW.finetuning_job_id IS DISTINCT FROM OLD.finetuning_job_id
     OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
    PERFORM pg_notify('finetuning_job_changed', json_build_object(
      'id', NEW.id,
      'status', NEW.status,
      'db_connection_id', NEW.db_connection_id,
      'deleted', NEW.deleted_at IS NOT NULL,
      'updated_at', to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    )::text);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finetuning_jobs_notify_change
AFTER INSERT OR UPDATE ON finetuning_jobs
FOR EACH ROW EXECUTE FUNCTION finetuning_job_notify_change();

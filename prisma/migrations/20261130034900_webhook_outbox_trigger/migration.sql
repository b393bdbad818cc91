-- Webhook outbox: every row appended to job_events enqueues one delivery per
-- enabled endpoint subscribed to the event types it maps to, in the same
-- transaction (and statement) as the change, so a committed change is never
-- without its deliveries and a rolled-back one never has any. Hand-written:
-- Prisma does not model triggers, so later schema diffs leave this alone.

-- The one mapping from a job_events row to webhook event types. Kinds and
-- statuses that do not exist yet (paused, checkpoints, guardrails) are matched
-- by name so they flow as soon as their rows are written.
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
    WHEN kind LIKE 'checkpoint%' THEN ARRAY['job.checkpoint_created']
    WHEN kind LIKE 'guardrail%' THEN ARRAY['guardrail.triggered']
    ELSE ARRAY[]::text[]
  END
$$;

CREATE OR REPLACE FUNCTION job_events_enqueue_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  types text[] := webhook_event_types(NEW.kind::text, NEW.from_status::text, NEW.to_status::text);
  snapshot jsonb;
BEGIN
  IF cardinality(types) = 0 OR NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND event_types && types) THEN
    RETURN NULL;
  END IF;
  -- The job as the statement left it (an AFTER trigger sees the statement's
  -- own update), in the field names of the application's job row.
  SELECT jsonb_build_object(
    'id', j.id::text, 'alias', j.alias, 'dbConnectionId', j.db_connection_id::text, 'status', j.status::text,
    'error', j.error, 'modelProvider', j.model_provider, 'modelName', j.model_name, 'modelParameters', j.model_parameters,
    'finetuningFileId', j.finetuning_file_id, 'finetuningJobId', j.finetuning_job_id, 'modelId', j.model_id,
    'goldenRecordIds', to_jsonb(j.golden_records::text[]), 'metadata', j.metadata,
    'createdAt', j.created_at, 'updatedAt', j.updated_at, 'finishedAt', j.finished_at, 'cancelledAt', j.cancelled_at)
  INTO snapshot FROM finetuning_jobs j WHERE j.id = NEW.job_id;

  INSERT INTO webhook_deliveries (id, endpoint_id, job_id, job_event_id, event_type, job, change, occurred_at)
  SELECT gen_random_uuid(), e.id, NEW.job_id, NEW.id, u.type, snapshot,
         jsonb_build_object('event_id', NEW.id::text, 'kind', NEW.kind::text, 'from', NEW.from_status::text,
                            'to', NEW.to_status::text, 'actor', NEW.actor, 'reason', NEW.reason, 'metadata', NEW.metadata),
         NEW.at
  FROM webhook_endpoints e CROSS JOIN unnest(types) WITH ORDINALITY AS u(type, n)
  WHERE e.enabled AND u.type = ANY (e.event_types)
  ORDER BY e.id, u.n;
  RETURN NULL;
END;
$$;

CREATE TRIGGER job_events_enqueue_webhooks
  AFTER INSERT ON job_events
  FOR EACH ROW EXECUTE FUNCTION job_events_enqueue_webhooks();

-- The dispatcher's scan: due messages of enabled endpoints.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

-- Webhooks, second step: checkpoints notify too, and a delivery carries the
-- whole job row, whatever columns it gains later. Hand-written (triggers).

-- The job row as JSON in the application's field names: snake_case columns
-- become camelCase, and golden_records is the one field named otherwise.
CREATE OR REPLACE FUNCTION webhook_job_snapshot(job_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_object_agg(
    CASE e.key WHEN 'golden_records' THEN 'goldenRecordIds'
      ELSE (SELECT string_agg(CASE WHEN w.i = 1 THEN w.part ELSE initcap(w.part) END, '' ORDER BY w.i)
            FROM unnest(string_to_array(e.key, '_')) WITH ORDINALITY AS w(part, i))
    END,
    e.value)
  FROM finetuning_jobs j, jsonb_each(to_jsonb(j)) AS e
  WHERE j.id = job_id
$$;

-- One outbox row per enabled endpoint subscribed to each of `types`, in order.
CREATE OR REPLACE FUNCTION webhook_enqueue(job_id uuid, job_event_id bigint, types text[], change jsonb, occurred_at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(types) = 0 OR NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND event_types && types) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_deliveries (id, endpoint_id, job_id, job_event_id, event_type, job, change, occurred_at)
  SELECT gen_random_uuid(), e.id, webhook_enqueue.job_id, webhook_enqueue.job_event_id, u.type,
         webhook_job_snapshot(webhook_enqueue.job_id), change, webhook_enqueue.occurred_at
  FROM webhook_endpoints e CROSS JOIN unnest(types) WITH ORDINALITY AS u(type, n)
  WHERE e.enabled AND u.type = ANY (e.event_types)
  ORDER BY e.id, u.n;
END;
$$;

CREATE OR REPLACE FUNCTION job_events_enqueue_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(
    NEW.job_id, NEW.id,
    webhook_event_types(NEW.kind::text, NEW.from_status::text, NEW.to_status::text),
    jsonb_build_object('event_id', NEW.id::text, 'kind', NEW.kind::text, 'from', NEW.from_status::text,
                       'to', NEW.to_status::text, 'actor', NEW.actor, 'reason', NEW.reason, 'metadata', NEW.metadata),
    NEW.at);
  RETURN NULL;
END;
$$;

-- A checkpoint is stored once (insert-or-skip), so this fires once per checkpoint.
CREATE OR REPLACE FUNCTION job_checkpoints_enqueue_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(
    NEW.job_id, NULL, ARRAY['job.checkpoint_created'],
    jsonb_build_object('event_id', NEW.provider_checkpoint_id, 'kind', 'checkpoint_created', 'from', NULL, 'to', NULL,
                       'actor', 'provider', 'reason', NULL,
                       'metadata', jsonb_build_object('checkpoint_id', NEW.provider_checkpoint_id, 'model', NEW.model,
                                                      'step', NEW.step, 'metrics', NEW.metrics)),
    NEW.created_at);
  RETURN NULL;
END;
$$;

CREATE TRIGGER job_checkpoints_enqueue_webhooks
  AFTER INSERT ON job_checkpoints
  FOR EACH ROW EXECUTE FUNCTION job_checkpoints_enqueue_webhooks();

-- job_events is the audit trail of every job: rows are only ever inserted.
-- This trigger refuses UPDATE and DELETE for everyone, including code paths
-- that bypass the app. Prisma does not model triggers, so `npm run
-- db:migration` never generates this: it is appended by hand to the migration
-- that creates job_events (prisma/migrations/*_init/migration.sql). Keep the
-- two copies identical if you regenerate that migration.
-- (TRUNCATE is deliberately not blocked, so test helpers can reset the table.)
CREATE OR REPLACE FUNCTION "job_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'job_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Record a new event instead of changing or removing an old one.';
END;
$$;

CREATE TRIGGER "job_events_append_only"
  BEFORE UPDATE OR DELETE ON "job_events"
  FOR EACH ROW EXECUTE FUNCTION "job_events_append_only"();

-- Job changes are announced by the application after commit, coalesced
-- (server/finetuning/announce.ts). The per-row NOTIFY of this trigger ran
-- inside every cancel's transaction and serialised commits on Postgres's
-- notification-queue lock: it halved the guarded UPDATE's throughput.
DROP TRIGGER IF EXISTS finetuning_jobs_notify_change ON finetuning_jobs;
DROP FUNCTION IF EXISTS finetuning_job_notify_change();

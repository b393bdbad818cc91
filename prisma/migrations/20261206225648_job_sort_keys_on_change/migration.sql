-- The sort keys' trigger (migration *_job_list_sort_and_search) ran on every
-- status change too, since a transition names training_file_tokens in its SET
-- list: the cancel path paid a PL/pgSQL call for nothing. Now an update runs
-- it only when a column the keys come from really changed (a WHEN condition
-- costs no function call); an insert always does.
DROP TRIGGER "finetuning_jobs_sort_keys" ON "finetuning_jobs";

CREATE TRIGGER "finetuning_jobs_sort_keys_insert"
  BEFORE INSERT ON "finetuning_jobs" FOR EACH ROW EXECUTE FUNCTION "finetuning_jobs_sort_keys"();

CREATE TRIGGER "finetuning_jobs_sort_keys_update"
  BEFORE UPDATE OF "step", "total_steps", "trained_tokens", "training_file_tokens",
    "usd_per_1m_training_tokens", "billed_epochs", "reported_price_usd"
  ON "finetuning_jobs" FOR EACH ROW
  WHEN (OLD."step" IS DISTINCT FROM NEW."step"
    OR OLD."total_steps" IS DISTINCT FROM NEW."total_steps"
    OR OLD."trained_tokens" IS DISTINCT FROM NEW."trained_tokens"
    OR OLD."training_file_tokens" IS DISTINCT FROM NEW."training_file_tokens"
    OR OLD."usd_per_1m_training_tokens" IS DISTINCT FROM NEW."usd_per_1m_training_tokens"
    OR OLD."billed_epochs" IS DISTINCT FROM NEW."billed_epochs"
    OR OLD."reported_price_usd" IS DISTINCT FROM NEW."reported_price_usd")
  EXECUTE FUNCTION "finetuning_jobs_sort_keys"();

-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "provider_create_attempted_at" TIMESTAMPTZ(3);

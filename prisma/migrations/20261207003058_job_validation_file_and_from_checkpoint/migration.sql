-- AlterTable
ALTER TABLE "finetuning_jobs" ADD COLUMN     "from_checkpoint" TEXT,
ADD COLUMN     "validation_file_id" TEXT;

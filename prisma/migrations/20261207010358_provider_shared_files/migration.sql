-- CreateTable
CREATE TABLE "provider_files" (
    "file_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "content_sha256" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "provider_files_pkey" PRIMARY KEY ("file_id")
);

-- CreateIndex
CREATE INDEX "provider_files_provider_content_sha256_role_idx" ON "provider_files"("provider", "content_sha256", "role");

-- CreateIndex
CREATE INDEX "finetuning_jobs_finetuning_file_id_idx" ON "finetuning_jobs"("finetuning_file_id");

-- CreateIndex
CREATE INDEX "finetuning_jobs_validation_file_id_idx" ON "finetuning_jobs"("validation_file_id");

-- AlterTable
ALTER TABLE "user" ADD COLUMN     "mustChangePassword" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "api_key_grants" (
    "api_key_id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "owner_id" UUID NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_grants_pkey" PRIMARY KEY ("api_key_id")
);

-- CreateIndex
CREATE INDEX "api_key_grants_owner_id_idx" ON "api_key_grants"("owner_id");

-- AddForeignKey
ALTER TABLE "api_key_grants" ADD CONSTRAINT "api_key_grants_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "apikey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key_grants" ADD CONSTRAINT "api_key_grants_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keys made before grants existed: only those of the system owner (made by the
-- CLI, never through a user's session) keep their role; a user's own keys had a
-- role its owner could write, so they stop working and are made again by an admin.
INSERT INTO "api_key_grants" ("api_key_id", "role", "owner_id")
SELECT k.id, COALESCE((regexp_match(k.metadata, '(viewer|operator|admin)'))[1], 'viewer'), u.id
FROM "apikey" k JOIN "user" u ON u.id::text = k."referenceId"
WHERE u.email = 'system@controlroom.local';

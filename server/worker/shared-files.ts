import { createHash } from "node:crypto";
import type { Db } from "../db";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import type { FileRole } from "../provider/types";

// Jobs over the same golden records send the provider the same file, byte for
// byte: it is uploaded once and shared (provider_files). A burst of a thousand
// such jobs then costs the provider one upload and one processing check, not
// a thousand of each, and its file storage holds one copy.
//
// A file is deleted at the provider when the last job using it is cleaned up.
// The race between a job taking a file and the last other user releasing it
// is settled on the file's row: `release` locks it, then looks for users; a
// job records the file, then `confirmShared` touches the row (waiting for any
// release in progress) and learns whether it is still to be used.

export function contentKey(jsonl: string): string {
  return createHash("sha256").update(jsonl).digest("hex");
}

/** A live file of this content and role at `provider`, and whether it is known to be processed. */
export async function findSharedFile(
  db: Db,
  args: { provider: string; sha256: string; role: FileRole },
): Promise<{ fileId: string; processed: boolean } | null> {
  const row = await db.providerFile.findFirst({
    where: { provider: args.provider, contentSha256: args.sha256, role: args.role, deletedAt: null },
    orderBy: { createdAt: "desc" },
    select: { fileId: true, processedAt: true },
  });
  return row ? { fileId: row.fileId, processed: row.processedAt !== null } : null;
}

/** Offers a file just uploaded to later jobs with the same content. */
export async function shareFile(db: Db, args: { provider: string; sha256: string; role: FileRole; fileId: string }): Promise<void> {
  await db.providerFile.create({ data: { fileId: args.fileId, provider: args.provider, contentSha256: args.sha256, role: args.role } });
}

/**
 * After a job recorded the file as its own: whether the file is still to be
 * used (false: its last other user released it meanwhile, and it is being
 * deleted; the job must upload its own). A file never shared is the job's.
 */
export async function confirmShared(db: Db, fileId: string): Promise<boolean> {
  const [row] = await db.$queryRaw<Array<{ deleted: boolean }>>`
    UPDATE provider_files SET file_id = file_id WHERE file_id = ${fileId} RETURNING deleted_at IS NOT NULL AS deleted`;
  return !row?.deleted;
}

/** Records that the provider has processed the file, so later jobs need not ask. */
export async function markProcessed(db: Db, fileId: string): Promise<void> {
  await db.$executeRaw`UPDATE provider_files SET processed_at = now() WHERE file_id = ${fileId} AND processed_at IS NULL`;
}

/** Whether a processed file of this id is on record (no need to ask the provider). */
export async function knownProcessed(db: Db, fileId: string): Promise<boolean> {
  const row = await db.providerFile.findUnique({ where: { fileId }, select: { processedAt: true, deletedAt: true } });
  return row?.processedAt != null && row.deletedAt === null;
}

/**
 * Job `jobId` no longer needs `fileId`: true when nobody else does either, so
 * the caller deletes it at the provider (and it is no longer offered); false
 * while another job not yet cleaned up uses it.
 */
export async function releaseFile(db: Db, { fileId, jobId }: { fileId: string; jobId: string }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ deleted: boolean }>>`
      SELECT deleted_at IS NOT NULL AS deleted FROM provider_files WHERE file_id = ${fileId} FOR UPDATE`;
    if (!row || row.deleted) return true;
    // A statement of its own, after the lock: it sees every job that recorded the file before the lock was taken.
    // A user is a job that may still train on it, or a succeeded one that keeps its files until deleted;
    // one that is itself being cleaned up is not (two last users releasing at once both delete it).
    const [users] = await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM finetuning_jobs
      WHERE (finetuning_file_id = ${fileId} OR validation_file_id = ${fileId}) AND id <> ${jobId}::uuid AND provider_cleaned_at IS NULL
        AND (status::text = ANY(${[...ACTIVE_STATUSES]}::text[]) OR (status = 'succeeded' AND deleted_at IS NULL))`;
    if ((users?.n ?? 0) > 0) return false;
    await tx.$executeRaw`UPDATE provider_files SET deleted_at = now() WHERE file_id = ${fileId}`;
    return true;
  });
}

/** The provider no longer has this file (deleted there by someone else): it is offered no more. False: it was never shared. */
export async function forgetFile(db: Db, fileId: string): Promise<boolean> {
  const forgotten = await db.$executeRaw`UPDATE provider_files SET deleted_at = COALESCE(deleted_at, now()) WHERE file_id = ${fileId}`;
  return forgotten > 0;
}

import type { Db } from "../db";
import { notFound } from "./queries";
import type { JobEvent } from "./schema";

export async function listJobEvents({ db, id }: { db: Db; id: string }): Promise<JobEvent[]> {
  const job = await db.finetuningJob.findUnique({ where: { id }, select: { id: true } });
  if (!job) throw notFound(id);
  const rows = await db.jobEvent.findMany({
    where: { jobId: id },
    orderBy: { id: "asc" },
    select: { id: true, kind: true, fromStatus: true, toStatus: true, actor: true, reason: true, metadata: true, at: true },
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    kind: row.kind,
    from_status: row.fromStatus,
    to_status: row.toStatus,
    actor: row.actor,
    reason: row.reason,
    metadata: row.metadata !== null && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? (row.metadata as Record<string, unknown>) : null,
    at: row.at.toISOString(),
  }));
}

import { z } from "zod";
import type { Db } from "../db";
import { jobStatusSchema, type JobStatus } from "./schema";

// The live feed reads the append-only event log (job_events): every change
// of a job appends an event there in the change's own transaction, and an
// event's bigint id orders it. A feed position is the id of the last event
// a reader has seen.

export const jobChangeSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  db_connection_id: z.string(),
  deleted: z.boolean(),
  updated_at: z.string(),
});
export type JobChange = z.infer<typeof jobChangeSchema>;

/**
 * One event of the log as the feed carries it: its position and the job
 * change it records. `refetch`: the feed skipped ahead to this event (the
 * subscriber was too far behind to replay), so what the subscriber shows
 * must be read again.
 */
export type LoggedChange = { eventId: bigint; change: JobChange; refetch?: true };

type EventRow = { event_id: bigint; job_id: string; status: JobStatus; db_connection_id: string; deleted: boolean; at: Date };

export const READ_BATCH = 500;
const MAX_EVENT_ID = 9_223_372_036_854_775_807n; // bigint's largest
export const JOB_CHANGED_CHANNEL = "finetuning_job_changed";

/** The log's events after `after` (and at most `upTo`), oldest first. */
export async function readChangesAfter(db: Db, after: bigint, upTo?: bigint): Promise<LoggedChange[]> {
  const rows = await db.$queryRaw<EventRow[]>`
    SELECT e.id AS event_id, j.id::text AS job_id, COALESCE(e.to_status, j.status)::text AS status,
           j.db_connection_id::text AS db_connection_id, (e.kind = 'deleted' OR j.deleted_at IS NOT NULL) AS deleted, e.at
    FROM job_events e JOIN finetuning_jobs j ON j.id = e.job_id
    WHERE e.id > ${after} AND e.id <= ${upTo ?? MAX_EVENT_ID}
    ORDER BY e.id
    LIMIT ${READ_BATCH}`;
  return rows.map(toLoggedChange);
}

function toLoggedChange(row: EventRow): LoggedChange {
  return {
    eventId: BigInt(row.event_id),
    change: {
      id: row.job_id,
      status: row.status,
      db_connection_id: row.db_connection_id,
      deleted: row.deleted,
      updated_at: row.at.toISOString(),
    },
  };
}

/** The given events of the log that exist by now, oldest first. */
export async function readChangesByIds(db: Db, ids: bigint[]): Promise<LoggedChange[]> {
  const rows = await db.$queryRaw<EventRow[]>`
    SELECT e.id AS event_id, j.id::text AS job_id, COALESCE(e.to_status, j.status)::text AS status,
           j.db_connection_id::text AS db_connection_id, (e.kind = 'deleted' OR j.deleted_at IS NOT NULL) AS deleted, e.at
    FROM job_events e JOIN finetuning_jobs j ON j.id = e.job_id
    WHERE e.id = ANY(${ids.map(String)}::bigint[])
    ORDER BY e.id`;
  return rows.map(toLoggedChange);
}

export async function latestEventId(db: Db): Promise<bigint> {
  const [row] = await db.$queryRaw<Array<{ max: bigint | null }>>`SELECT max(id) AS max FROM job_events`;
  return row?.max === null || row?.max === undefined ? 0n : BigInt(row.max);
}

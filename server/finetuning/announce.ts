import type { Db } from "../db";
import type { JobChange } from "./changes";
import { JOB_CHANGED_CHANNEL } from "./changes";

// Job changes are announced after they commit, coalesced: one NOTIFY every
// ANNOUNCE_DELAY_MS per process carries every change since the last one.
// A NOTIFY inside each cancel's transaction (a trigger) serialises commits on
// Postgres's notification-queue lock and halved the guarded UPDATE's
// throughput (docs/BENCHMARKS.md); batching makes it a rounding error.

const ANNOUNCE_DELAY_MS = 25;
const MAX_PAYLOAD_BYTES = 7_500; // Postgres refuses NOTIFY payloads over 8000 bytes

type Pending = { db: Db; changes: Map<string, JobChange>; timer?: NodeJS.Timeout };
const globalForAnnounce = globalThis as unknown as { controlRoomAnnounce?: Pending };

export type ChangedRow = { id: string; status: string; dbConnectionId: string; updatedAt: Date; deletedAt?: Date | null };

/** Queues a committed change of a job for the next announcement. */
export function announceJobChange(db: Db, row: ChangedRow): void {
  const pending: Pending = (globalForAnnounce.controlRoomAnnounce ??= { db, changes: new Map() });
  pending.db = db;
  pending.changes.set(row.id, {
    id: row.id,
    status: row.status as JobChange["status"],
    db_connection_id: row.dbConnectionId,
    deleted: Boolean(row.deletedAt),
    updated_at: row.updatedAt.toISOString(),
  });
  pending.timer ??= setTimeout(() => void flush(), ANNOUNCE_DELAY_MS).unref();
}

async function flush(): Promise<void> {
  const pending = globalForAnnounce.controlRoomAnnounce;
  if (!pending) return;
  const changes = [...pending.changes.values()];
  pending.changes.clear();
  pending.timer = undefined;
  for (const payload of chunk(changes)) {
    await pending.db.$executeRaw`SELECT pg_notify(${JOB_CHANGED_CHANNEL}, ${payload})`.catch((error: unknown) => {
      // Browsers also refetch on reconnect and poll while the feed is down.
      console.error("announcing job changes failed", error);
    });
  }
}

function chunk(changes: JobChange[]): string[] {
  const payloads: string[] = [];
  let batch: JobChange[] = [];
  for (const change of changes) {
    const next = [...batch, change];
    if (batch.length > 0 && Buffer.byteLength(JSON.stringify(next)) > MAX_PAYLOAD_BYTES) {
      payloads.push(JSON.stringify(batch));
      batch = [change];
    } else {
      batch = next;
    }
  }
  if (batch.length > 0) payloads.push(JSON.stringify(batch));
  return payloads;
}

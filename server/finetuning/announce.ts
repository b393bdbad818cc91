import type { Db } from "../db";
import { JOB_CHANGED_CHANNEL } from "./change-log";

// Job changes are announced after they commit, coalesced: one NOTIFY every
// ANNOUNCE_DELAY_MS per process wakes every app instance's live feed, which
// then reads the changes themselves from the event log (./changes.ts).
// A NOTIFY inside each cancel's transaction (a trigger) serialises commits on
// Postgres's notification-queue lock and halved the guarded UPDATE's
// throughput (docs/BENCHMARKS.md); batching makes it a rounding error.

const ANNOUNCE_DELAY_MS = 25;

type Pending = { db: Db; timer?: NodeJS.Timeout };
const globalForAnnounce = globalThis as unknown as { controlRoomAnnounce?: Pending };

export type ChangedRow = { id: string; status: string; dbConnectionId: string; updatedAt: Date; deletedAt?: Date | null };

/** Wakes the live feeds shortly after a committed change of a job (its event is already in the log). */
export function announceJobChange(db: Db, _row: ChangedRow): void {
  const pending: Pending = (globalForAnnounce.controlRoomAnnounce ??= { db });
  pending.db = db;
  pending.timer ??= setTimeout(() => void flush(), ANNOUNCE_DELAY_MS).unref();
}

async function flush(): Promise<void> {
  const pending = globalForAnnounce.controlRoomAnnounce;
  if (!pending) return;
  pending.timer = undefined;
  await pending.db.$executeRaw`SELECT pg_notify(${JOB_CHANGED_CHANNEL}, '')`.catch((error: unknown) => {
    // Each live feed also reads the log every second on its own: one line is enough (a database restart makes many).
    console.error(`announcing job changes failed: ${(error as Error).message.trim().split("\n").at(-1) ?? "unknown error"}`);
  });
}

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "../db";

// Each worker process beats its row in worker_heartbeats every few seconds;
// GET /api/ready wants a fresh beat from some worker. Rows of processes that
// stopped beating long ago are swept by the others.
export const HEARTBEAT_EVERY_MS = 5_000;
const FORGET_AFTER_MS = 24 * 60 * 60 * 1_000;

export type Heartbeat = { id: string; stop(): Promise<void> };

export async function startHeartbeat(db: Db): Promise<Heartbeat> {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const beat = () =>
    db.workerHeartbeat.upsert({ where: { id }, create: { id, host: hostname(), pid: process.pid }, update: { beatAt: new Date() } });
  await beat();
  await db.workerHeartbeat.deleteMany({ where: { beatAt: { lt: new Date(Date.now() - FORGET_AFTER_MS) } } });
  const timer = setInterval(() => {
    beat().catch((error: unknown) => console.error(`worker heartbeat failed; trying again (${(error as Error).message.split("\n")[0]})`));
  }, HEARTBEAT_EVERY_MS);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      // A stopped worker is not "alive": readiness should not count it.
      await db.workerHeartbeat.delete({ where: { id } }).catch(() => undefined);
    },
  };
}

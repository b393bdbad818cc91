import { Gauge } from "prom-client";
import type { Db } from "../db";
import { JOB_STATUSES } from "../finetuning/schema";
import { ADVANCE_QUEUE, queue } from "../worker/queue";
import { metrics } from "./registry";

// Gauges read from the database on each scrape: they describe the shared
// state (every instance reports the same numbers), not this process.

const globalForCollectors = globalThis as unknown as { controlRoomCollectors?: boolean };

export function registerDatabaseCollectors(db: Db): void {
  if (globalForCollectors.controlRoomCollectors) return;
  globalForCollectors.controlRoomCollectors = true;
  const registers = [metrics().registry];

  new Gauge({
    name: "finetuning_jobs",
    help: "Fine-tuning jobs (not deleted) by status",
    labelNames: ["status"],
    registers,
    async collect() {
      const rows = await db.finetuningJob.groupBy({ by: ["status"], where: { deletedAt: null }, _count: { _all: true } });
      for (const status of JOB_STATUSES) this.set({ status }, rows.find((row) => row.status === status)?._count._all ?? 0);
    },
  });

  new Gauge({
    name: "worker_queue_steps",
    help: "Job steps in the worker queue by state: ready (waiting for a worker), deferred (scheduled later), active (running)",
    labelNames: ["state"],
    registers,
    async collect() {
      const stats = await (await queue()).getQueue(ADVANCE_QUEUE);
      if (!stats) return;
      this.set({ state: "ready" }, stats.readyCount);
      this.set({ state: "deferred" }, stats.deferredCount);
      this.set({ state: "active" }, stats.activeCount);
    },
  });

  new Gauge({
    name: "worker_processes_alive",
    help: "Worker processes whose heartbeat is fresh",
    registers,
    async collect() {
      this.set(await db.workerHeartbeat.count({ where: { beatAt: { gt: new Date(Date.now() - 30_000) } } }));
    },
  });
}

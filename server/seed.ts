import type { Db } from "./db";
import { CANCELLED_BY_USER_ERROR, type JobStatus } from "./finetuning/schema";
import { DEMO_GOLDEN_RECORDS, DEMO_SCHEMA } from "./seed-data";
import type { TxClient } from "./finetuning/service";

type SeedJob = { alias: string; status: JobStatus; hoursAgo: number; error?: string; modelId?: string; model?: string };

const FINISHED: SeedJob[] = [
  { alias: "retail-sql-v1", status: "succeeded", hoursAgo: 72, modelId: "ft:gpt-4o-mini-2024-07-18:sandbox:retail-sql-v1:9f2c1a" },
  { alias: "retail-sql-v2", status: "succeeded", hoursAgo: 30, modelId: "ft:gpt-4o-mini-2024-07-18:sandbox:retail-sql-v2:4b7e0d" },
  { alias: "retail-sql-lr-sweep", status: "failed", hoursAgo: 26, error: "Training file has 3 examples with assistant messages over the token limit" },
  { alias: "retail-sql-wrong-schema", status: "cancelled", hoursAgo: 20, error: CANCELLED_BY_USER_ERROR },
];
// Queued jobs: the worker takes them through the sandbox as soon as the app starts.
const QUEUED: SeedJob[] = [
  { alias: "retail-sql-v3", status: "queued", hoursAgo: 0.2, model: "gpt-4.1-mini-2025-04-14" },
  { alias: "retail-sql-v3-epochs5", status: "queued", hoursAgo: 0.1 },
  { alias: "retail-sql-nano", status: "queued", hoursAgo: 0.05, model: "gpt-4.1-nano-2025-04-14" },
];

/**
 * Demo data so the first screen is not empty. Returns false (and changes
 * nothing) when the database already has connections.
 */
export async function seedDemoData({ db, enqueueRun }: { db: Db; enqueueRun: (tx: TxClient, jobId: string) => Promise<void> }): Promise<boolean> {
  if ((await db.dbConnection.count()) > 0) return false;
  await db.$transaction(async (tx) => {
    const connection = await tx.dbConnection.create({ data: { alias: "retail-warehouse", dialect: "postgresql", schemaText: DEMO_SCHEMA } });
    const records = await tx.goldenRecord.createManyAndReturn({
      data: DEMO_GOLDEN_RECORDS.map((r) => ({ ...r, dbConnectionId: connection.id })),
      select: { id: true },
    });
    const goldenRecordIds = records.map((r) => r.id);
    for (const job of [...FINISHED, ...QUEUED]) {
      const at = new Date(Date.now() - job.hoursAgo * 3_600_000);
      const finished = job.status !== "queued";
      const row = await tx.finetuningJob.create({
        data: {
          alias: job.alias,
          dbConnectionId: connection.id,
          status: job.status,
          error: job.error ?? null,
          modelName: job.model ?? "gpt-4o-mini-2024-07-18",
          modelParameters: job.alias.endsWith("epochs5") ? { n_epochs: 5 } : { n_epochs: 3 },
          modelId: job.modelId ?? null,
          goldenRecordIds,
          createdBy: "seed",
          createdAt: at,
          updatedAt: at,
          finishedAt: finished ? new Date(at.getTime() + 45 * 60_000) : null,
          cancelledAt: job.status === "cancelled" ? new Date(at.getTime() + 12 * 60_000) : null,
          metadata: { team: "analytics", source: "seed" },
          events: {
            create: [
              { kind: "status_change", toStatus: "queued", actor: "seed", reason: "created", at },
              ...(finished ? [{ kind: "status_change" as const, fromStatus: "running" as const, toStatus: job.status, actor: "seed", reason: job.error ?? null, at: new Date(at.getTime() + 45 * 60_000) }] : []),
            ],
          },
        },
        select: { id: true },
      });
      if (!finished) await enqueueRun(tx, row.id);
    }
  });
  return true;
}

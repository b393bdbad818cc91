import type { Db, TxClient } from "./db";
import { ACTIVE_STATUSES, CANCELLED_BY_USER_ERROR, type JobStatus } from "./finetuning/schema";
import { PROVIDER_CAPABILITIES, type ProviderName } from "./provider/capabilities";
import { DEMO_GOLDEN_RECORDS, DEMO_SCHEMA } from "./seed-data";
import { enqueueRun } from "./worker/queue";

type SeedJob = {
  alias: string;
  status: JobStatus;
  hoursAgo: number;
  error?: string;
  modelId?: string;
  model?: string;
  provider?: ProviderName;
};

const FINISHED: SeedJob[] = [
  { alias: "retail-sql-v1", status: "succeeded", hoursAgo: 72, modelId: "ft:gpt-4o-mini-2024-07-18:sandbox:retail-sql-v1:9f2c1a" },
  { alias: "retail-sql-v2", status: "succeeded", hoursAgo: 30, modelId: "ft:gpt-4o-mini-2024-07-18:sandbox:retail-sql-v2:4b7e0d" },
  {
    alias: "retail-sql-lr-sweep",
    status: "failed",
    hoursAgo: 26,
    error: "Training file has 3 examples with assistant messages over the token limit",
  },
  { alias: "retail-sql-wrong-schema", status: "cancelled", hoursAgo: 20, error: CANCELLED_BY_USER_ERROR },
];
// Queued jobs: the worker takes them through the sandbox as soon as the app starts.
const QUEUED: SeedJob[] = [
  { alias: "retail-sql-v3", status: "queued", hoursAgo: 0.2, model: "gpt-4.1-mini-2025-04-14" },
  { alias: "retail-sql-v3-epochs5", status: "queued", hoursAgo: 0.1 },
  { alias: "retail-sql-nano", status: "queued", hoursAgo: 0.05, model: "gpt-4.1-nano-2025-04-14" },
  // At Together AI (its sandbox without TOGETHER_API_KEY): no pause, and a cancel it confirms later.
  { alias: "retail-sql-llama", status: "queued", hoursAgo: 0.04, provider: "together", model: PROVIDER_CAPABILITIES.together.models[0] },
];

const DEMO_CONNECTION_ALIAS = "retail-warehouse";

async function createSeedJob(tx: TxClient, job: SeedJob, connectionId: string, goldenRecordIds: string[]): Promise<string> {
  const at = new Date(Date.now() - job.hoursAgo * 3_600_000);
  const finished = job.status !== "queued";
  const row = await tx.finetuningJob.create({
    data: {
      alias: job.alias,
      dbConnectionId: connectionId,
      status: job.status,
      error: job.error ?? null,
      modelProvider: job.provider ?? "openai",
      modelName: job.model ?? "gpt-4o-mini-2024-07-18",
      modelParameters:
        job.provider === "together" ? { n_epochs: 2, lora: true } : job.alias.endsWith("epochs5") ? { n_epochs: 5 } : { n_epochs: 3 },
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
          ...(finished
            ? [
                {
                  kind: "status_change" as const,
                  fromStatus: "running" as const,
                  toStatus: job.status,
                  actor: "seed",
                  reason: job.error ?? null,
                  at: new Date(at.getTime() + 45 * 60_000),
                },
              ]
            : []),
        ],
      },
    },
    select: { id: true },
  });
  return row.id;
}

async function queueDemoJobs(tx: TxClient, connectionId: string, goldenRecordIds: string[]): Promise<void> {
  for (const job of QUEUED) await enqueueRun(tx, await createSeedJob(tx, job, connectionId, goldenRecordIds));
}

/**
 * Demo data so the first screen is not empty. Returns false (and changes
 * nothing) when the database already has connections.
 */
export async function seedDemoData({ db }: { db: Db }): Promise<boolean> {
  if ((await db.dbConnection.count()) > 0) return false;
  await db.$transaction(async (tx) => {
    const connection = await tx.dbConnection.create({
      data: { alias: DEMO_CONNECTION_ALIAS, dialect: "postgresql", schemaText: DEMO_SCHEMA },
    });
    const records = await tx.goldenRecord.createManyAndReturn({
      data: DEMO_GOLDEN_RECORDS.map((r) => ({ ...r, dbConnectionId: connection.id })),
      select: { id: true },
    });
    const goldenRecordIds = records.map((r) => r.id);
    for (const job of FINISHED) await createSeedJob(tx, job, connection.id, goldenRecordIds);
    await queueDemoJobs(tx, connection.id, goldenRecordIds);
  });
  return true;
}

/**
 * A later start of the demo database: when every job has ended (the seeded
 * ones trained to the end, or were cancelled), queue the demo jobs again so
 * there is always something running to watch and cancel. Returns how many
 * were queued.
 */
export async function topUpDemoJobs({ db }: { db: Db }): Promise<number> {
  const connection = await db.dbConnection.findFirst({
    where: { alias: DEMO_CONNECTION_ALIAS },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  if (!connection) return 0;
  return db.$transaction(async (tx) => {
    // One starter at a time: two processes starting together queue one set.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('controlroom:demo-top-up'))`;
    const active = await tx.finetuningJob.count({ where: { status: { in: [...ACTIVE_STATUSES] }, deletedAt: null } });
    if (active > 0) return 0;
    const records = await tx.goldenRecord.findMany({ where: { dbConnectionId: connection.id }, select: { id: true } });
    if (records.length < 10) return 0;
    await queueDemoJobs(
      tx,
      connection.id,
      records.map((r) => r.id),
    );
    return QUEUED.length;
  });
}

import { randomUUID } from "node:crypto";
import type { Db } from "../../server/db";
import type { JobStatus } from "../../server/finetuning/schema";

export async function makeConnection(db: Db, { goldenRecords = 12 }: { goldenRecords?: number } = {}) {
  const alias = `warehouse-${randomUUID().slice(0, 8)}`;
  const connection = await db.dbConnection.create({
    data: {
      alias,
      dialect: "postgresql",
      // Named in its schema, so that jobs over two connections never send the
      // provider byte-identical files (which would share one upload).
      schemaText: `-- ${alias}\nCREATE TABLE orders (id int primary key, customer_id int, total numeric, created_at timestamptz);`,
    },
  });
  const records = await db.goldenRecord.createManyAndReturn({
    data: Array.from({ length: goldenRecords }, (_, i) => ({
      dbConnectionId: connection.id,
      question: `How many orders were placed on day ${i + 1}?`,
      sql: `SELECT count(*) FROM orders WHERE created_at::date = DATE '2024-01-01' + ${i};`,
    })),
    select: { id: true },
  });
  return { connection, goldenRecordIds: records.map((r) => r.id) };
}

export type JobOverrides = {
  status?: JobStatus;
  dbConnectionId?: string;
  finetuningJobId?: string | null;
  finetuningFileId?: string | null;
  metadata?: Record<string, string> | null;
  alias?: string | null;
  goldenRecordIds?: string[];
  createdAt?: Date;
};

/** A job row in any state, straight into the table (the state machine is tested elsewhere). */
export async function makeJob(db: Db, overrides: JobOverrides = {}) {
  const dbConnectionId = overrides.dbConnectionId ?? (await makeConnection(db, { goldenRecords: 0 })).connection.id;
  return db.finetuningJob.create({
    data: {
      dbConnectionId,
      alias: overrides.alias ?? null,
      status: overrides.status ?? "queued",
      modelName: "gpt-4o-mini-2024-07-18",
      modelParameters: { n_epochs: 1 },
      finetuningJobId: overrides.finetuningJobId ?? null,
      finetuningFileId: overrides.finetuningFileId ?? null,
      goldenRecordIds: overrides.goldenRecordIds ?? [],
      metadata: overrides.metadata ?? undefined,
      ...(overrides.createdAt ? { createdAt: overrides.createdAt } : {}),
    },
  });
}

export async function eventsOf(db: Db, jobId: string) {
  return db.jobEvent.findMany({ where: { jobId }, orderBy: { id: "asc" } });
}

import { beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";

beforeAll(async () => {
  await useIsolatedDatabase(); // the seed only runs on an empty database
});

describe.sequential("demo seed", () => {
  it("fills an empty database once: a realistic connection, 25+ golden records, jobs that the worker will run", async () => {
    const { db } = await import("../../server/db");
    const { seedDemoData } = await import("../../server/seed");
    const { stopQueue } = await import("../../server/worker/queue");
    expect(await seedDemoData({ db: db() })).toBe(true);
    const connection = await db().dbConnection.findFirstOrThrow({ include: { _count: { select: { goldenRecords: true } } } });
    expect(connection.schemaText.match(/CREATE TABLE/g)?.length).toBeGreaterThanOrEqual(4);
    expect(connection._count.goldenRecords).toBeGreaterThanOrEqual(25);
    const statuses = new Set((await db().finetuningJob.findMany({ select: { status: true } })).map((j) => j.status));
    expect([...statuses].sort()).toEqual(["cancelled", "failed", "queued", "succeeded"]);
    expect(await seedDemoData({ db: db() })).toBe(false);
    await stopQueue();
  });

  it("queues the demo jobs again on a later start once every job has ended, and only then", async () => {
    const { db } = await import("../../server/db");
    const { topUpDemoJobs } = await import("../../server/seed");
    const { stopQueue } = await import("../../server/worker/queue");
    // The seeded queued jobs are still active: nothing to add.
    expect(await topUpDemoJobs({ db: db() })).toBe(0);
    await db().finetuningJob.updateMany({ where: { status: "queued" }, data: { status: "succeeded", finishedAt: new Date() } });
    // Two processes starting at once queue one set between them.
    const queued = await Promise.all([topUpDemoJobs({ db: db() }), topUpDemoJobs({ db: db() })]);
    expect(queued.sort()).toEqual([0, 4]);
    expect(await db().finetuningJob.count({ where: { status: "queued" } })).toBe(4);
    // One of them at each provider at least.
    expect(new Set((await db().finetuningJob.findMany({ where: { status: "queued" } })).map((j) => j.modelProvider))).toEqual(
      new Set(["openai", "together"]),
    );
    const queue = await db().$queryRaw<Array<{ n: bigint }>>`SELECT count(*)::bigint AS n FROM pgboss.job WHERE state = 'created'`;
    expect(Number(queue[0]?.n)).toBeGreaterThanOrEqual(4);
    await stopQueue();
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";

beforeAll(async () => {
  await useIsolatedDatabase(); // the seed only runs on an empty database
});

describe("demo seed", () => {
  it("fills an empty database once: a realistic connection, 25+ golden records, jobs that the worker will run", async () => {
    const { db } = await import("../../server/db");
    const { seedDemoData } = await import("../../server/seed");
    const { enqueueRun, stopQueue } = await import("../../server/worker/queue");
    expect(await seedDemoData({ db: db(), enqueueRun })).toBe(true);
    const connection = await db().dbConnection.findFirstOrThrow({ include: { _count: { select: { goldenRecords: true } } } });
    expect(connection.schemaText.match(/CREATE TABLE/g)?.length).toBeGreaterThanOrEqual(4);
    expect(connection._count.goldenRecords).toBeGreaterThanOrEqual(25);
    const statuses = new Set((await db().finetuningJob.findMany({ select: { status: true } })).map((j) => j.status));
    expect([...statuses].sort()).toEqual(["cancelled", "failed", "queued", "succeeded"]);
    expect(await seedDemoData({ db: db(), enqueueRun })).toBe(false);
    await stopQueue();
  });
});

// The decision pass's watermark: a run's new metric steps mark its sweep
// (whoever inserts them), the pass judges exactly the marked sweeps and
// clears the mark with the version it read, and a step inserted while a
// decision holds the sweep marks it again once that decision commits.
import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, db } from "../../server/db";
import { SWEEP } from "../../server/auth/actor";
import { decideSweep, sweepsWithNewMetrics } from "../../server/sweeps/decide";
import { createSweep } from "../../server/sweeps/service";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";

const other = createDb();
beforeAll(async () => {
  await other.$connect();
});
afterAll(async () => {
  await other.$disconnect();
  await stopQueue();
});

async function newSweep() {
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  const sweep = await createSweep({
    db: db(),
    actor: SWEEP,
    input: {
      name: "watermark",
      db_connection_id: connection.id,
      runs: [{ learning_rate_multiplier: 1 }, { learning_rate_multiplier: 2 }],
      max_concurrent: 2,
      early_stopping: { policy: "asha", metric: "valid_loss", min_steps: 2, reduction_factor: 2 },
    },
  });
  return { id: sweep.id, jobIds: sweep.runs.map((r) => r.finetuning_id!) };
}

const addStep = (client: typeof other, jobId: string, step: number, loss: number) =>
  client.$executeRaw`INSERT INTO job_metrics (job_id, step, train_loss, valid_loss, at) VALUES (${jobId}::uuid, ${step}, ${loss}, ${loss}, now())`;
const pending = async (sweepId: string) => (await sweepsWithNewMetrics(db())).some((s) => s.sweepId === sweepId);
const versions = (id: string) => db().sweep.findUniqueOrThrow({ where: { id }, select: { metricsVersion: true, decidedVersion: true } });

describe("the sweep decision watermark", () => {
  it("marks a sweep when its runs report steps, and the pass judges it and clears the mark", async () => {
    const sweep = await newSweep();
    expect(await pending(sweep.id)).toBe(false);
    await addStep(other, sweep.jobIds[0]!, 1, 2.0);
    await addStep(other, sweep.jobIds[0]!, 2, 1.5);
    expect(await pending(sweep.id)).toBe(true);

    await decideSweep({ db: db(), sweepId: sweep.id });
    expect(await pending(sweep.id)).toBe(false);
    const { metricsVersion, decidedVersion } = await versions(sweep.id);
    expect(decidedVersion).toBe(metricsVersion);
    const decisions = await db().sweepDecision.findMany({ where: { sweepId: sweep.id } });
    expect(decisions.map((d) => [d.jobId, d.milestone, d.metricName, d.metric, d.stop])).toEqual([
      [sweep.jobIds[0], 2, "valid_loss", 1.5, false],
    ]);
    const run = await db().sweepRun.findFirstOrThrow({ where: { sweepId: sweep.id, position: 0 } });
    expect(run).toMatchObject({ seenStep: 2, lastValidLoss: 1.5, lastTrainLoss: 1.5 });

    // The second run reaches the rung worse: stopped, judged against the first's value recorded in the earlier pass.
    await addStep(other, sweep.jobIds[1]!, 2, 1.9);
    await decideSweep({ db: db(), sweepId: sweep.id });
    const stop = await db().sweepDecision.findFirstOrThrow({ where: { sweepId: sweep.id, jobId: sweep.jobIds[1]! } });
    expect(stop).toMatchObject({ milestone: 2, stop: true, peers: 1 });

    // A job outside any sweep marks nothing.
    const before = await versions(sweep.id);
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 10 });
    const loose = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    await addStep(other, loose.id, 1, 2.0);
    expect(await versions(sweep.id)).toEqual(before);
  });

  it("a step inserted while a decision holds the sweep marks it again after that decision commits", async () => {
    const sweep = await newSweep();
    await addStep(other, sweep.jobIds[0]!, 1, 2.0);
    let inserted: Promise<unknown> | undefined;
    await db().$transaction(async (tx) => {
      const [held] = await tx.$queryRaw<Array<{ version: bigint }>>`
        SELECT metrics_version AS version FROM sweeps WHERE id = ${sweep.id}::uuid FOR NO KEY UPDATE`;
      // Another run reports meanwhile: its insert waits for the sweep's row.
      inserted = addStep(other, sweep.jobIds[1]!, 1, 2.1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.$executeRaw`UPDATE sweeps SET decided_version = ${held!.version} WHERE id = ${sweep.id}::uuid`;
    });
    await inserted;
    expect(await pending(sweep.id)).toBe(true);
    await decideSweep({ db: db(), sweepId: sweep.id });
    expect(await pending(sweep.id)).toBe(false);
    const runs = await db().sweepRun.findMany({ where: { sweepId: sweep.id }, orderBy: { position: "asc" }, select: { seenStep: true } });
    expect(runs.map((r) => r.seenStep)).toEqual([1, 1]);
  });
});

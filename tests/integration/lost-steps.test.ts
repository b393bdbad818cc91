// The worker's safety net finds the active jobs whose chain of steps was lost,
// and its cost does not grow with the queue's history: at 10,000 running jobs
// with a long history of finished steps it reads the queue's live steps once.
import { beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { makeConnection } from "../helpers/factories";

type PlanNode = { "Relation Name"?: string; "Actual Loops"?: number; Plans?: PlanNode[] };

function nodesOn(node: PlanNode, relation: RegExp): PlanNode[] {
  const own = node["Relation Name"] && relation.test(node["Relation Name"]) ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => nodesOn(child, relation))];
}

describe("jobs whose chain of steps was lost", () => {
  let lost: string[] = [];

  beforeAll(async () => {
    await useIsolatedDatabase();
    const { db } = await import("@/server/db");
    const { queue, ADVANCE_QUEUE } = await import("@/server/worker/queue");
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    await db().$executeRaw`
      INSERT INTO finetuning_jobs (id, db_connection_id, status, model_name, updated_at)
      SELECT gen_random_uuid(), ${connection.id}::uuid, 'running', 'gpt-4o-mini-2024-07-18', now() FROM generate_series(1, 10000)`;
    // A finished job and a deleted one never count as lost.
    await db().$executeRaw`
      INSERT INTO finetuning_jobs (id, db_connection_id, status, model_name, updated_at, deleted_at)
      VALUES (gen_random_uuid(), ${connection.id}::uuid, 'succeeded', 'm', now(), NULL),
             (gen_random_uuid(), ${connection.id}::uuid, 'running', 'm', now(), now())`;
    const ids = (
      await db().$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM finetuning_jobs WHERE status = 'running' AND deleted_at IS NULL`
    ).map((r) => r.id);
    lost = ids.filter((_, i) => i % 1000 === 7);
    const boss = await queue();
    const kept = ids.filter((id) => !lost.includes(id));
    for (let i = 0; i < kept.length; i += 1000)
      await boss.insert(
        ADVANCE_QUEUE,
        kept.slice(i, i + 1000).map((id) => ({ data: { jobId: id }, singletonKey: id, startAfter: 600 })),
      );
    // Ten finished steps a job: the history hours of polling leave.
    await db().$executeRawUnsafe(`
      INSERT INTO pgboss.job (id, name, data, state, policy, singleton_key, completed_on)
      SELECT gen_random_uuid(), '${ADVANCE_QUEUE}', '{}'::jsonb, 'completed', 'stately', ids.a[(g % 10000) + 1], now()
      FROM generate_series(1, 100000) g, (SELECT array_agg(id::text) AS a FROM finetuning_jobs) ids`);
    await db().$executeRawUnsafe("ANALYZE");
  }, 120_000);

  it("are exactly the active jobs with no step queued", async () => {
    const { db } = await import("@/server/db");
    const { jobsWithoutStep } = await import("@/server/worker/queue");
    expect((await jobsWithoutStep(db(), 1_000)).sort()).toEqual([...lost].sort());
    expect(await jobsWithoutStep(db(), 3)).toHaveLength(3);
  });

  it("are found with one read of the queue's live steps, whatever its history", async () => {
    const { db } = await import("@/server/db");
    const { Prisma } = await import("@/server/generated/prisma/client");
    const { withoutStepQuery } = await import("@/server/worker/queue");
    const [row] = await db().$queryRaw<Array<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>>(
      Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${withoutStepQuery(1_000)}`,
    );
    const queueReads = nodesOn(row!["QUERY PLAN"][0]!.Plan, /^job/);
    expect(queueReads.length).toBeGreaterThan(0);
    for (const node of queueReads) expect(node["Actual Loops"]).toBe(1);
  });
});

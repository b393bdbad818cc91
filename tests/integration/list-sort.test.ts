import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { JOB_SORTS, JOB_STATUSES, type FinetuningJob, type JobSort, type JobStatus } from "../../server/finetuning/schema";
import { stopQueue } from "../../server/worker/queue";
import { callerAs } from "../helpers/callers";
import { makeConnection, makeJob } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";
import { apiKey, nextLink, rest, startRestServer, type RestServer } from "../helpers/rest";

const provider = unreachableProvider();
let api: RestServer;
let viewer: string;
beforeAll(async () => {
  api = await startRestServer();
  viewer = await apiKey("viewer");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

const STATUSES: JobStatus[] = ["queued", "running", "paused", "succeeded", "failed", "cancelled"];

/** A job with progress and a cost as the worker would leave them (the trigger works out the sort keys). */
async function makeProgressedJob(dbConnectionId: string, i: number, createdAt: Date) {
  const job = await makeJob(db(), {
    dbConnectionId,
    status: STATUSES[i % STATUSES.length],
    alias: `Nightly-${i}`,
    finetuningJobId: `ftjob-sort-${dbConnectionId}-${i}`,
    createdAt,
  });
  // Every fourth job has no progress and an unknown price; the rest repeat values, so ties are common.
  const known = i % 4 !== 0;
  await db().finetuningJob.update({
    where: { id: job.id },
    data: known
      ? { step: (i % 3) * 10, totalSteps: 30, trainingFileTokens: 50_000 * (1 + (i % 2)), usdPer1mTrainingTokens: 3, billedEpochs: 1 }
      : {},
  });
  return job;
}

const keyOf = (sort: JobSort, job: FinetuningJob): number => {
  const name = sort.replace("-", "");
  if (name === "status") return JOB_STATUSES.indexOf(job.status);
  if (name === "progress") return job.progress?.percent ?? -1;
  if (name === "cost") return job.cost.so_far_usd ?? -1;
  return 0;
};

/** a before b in this sort: the key, then created_at, then id, all in the sort's direction. */
function inOrder(sort: JobSort, a: FinetuningJob, b: FinetuningJob): boolean {
  const sign = sort.startsWith("-") ? -1 : 1;
  const parts = [keyOf(sort, a) - keyOf(sort, b), Date.parse(a.created_at) - Date.parse(b.created_at), a.id < b.id ? -1 : 1];
  const first = parts.find((d) => d !== 0) ?? 0;
  return first * sign < 0;
}

type Walk = (sort: JobSort, onPage: () => Promise<void>) => Promise<FinetuningJob[]>;

const viaTrpc =
  (dbConnectionId: string): Walk =>
  async (sort, onPage) => {
    const caller = await callerAs("viewer", provider);
    const seen: FinetuningJob[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.finetuning.list({ db_connection_id: dbConnectionId, sort, limit: 4, cursor });
      seen.push(...page.items);
      await onPage();
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return seen;
  };

const viaRest =
  (dbConnectionId: string): Walk =>
  async (sort, onPage) => {
    const seen: FinetuningJob[] = [];
    let path: string | null = `/api/v1/finetunings?db_connection_id=${dbConnectionId}&sort=${encodeURIComponent(sort)}&limit=4`;
    while (path) {
      const call = await rest(api.origin, "GET", path, { key: viewer });
      expect(call.status, call.text).toBe(200);
      seen.push(...(call.body as FinetuningJob[]));
      await onPage();
      path = nextLink(call);
    }
    return seen;
  };

describe("the list's sorts and search, on REST and tRPC", () => {
  for (const [transport, walkOf] of [
    ["tRPC", viaTrpc],
    ["REST", viaRest],
  ] as const) {
    it(`${transport}: every sort walks each job exactly once, in order, while jobs are inserted between pages`, async () => {
      const { connection } = await makeConnection(db(), { goldenRecords: 0 });
      const start = Date.now() - 600_000;
      const original: string[] = [];
      // Pairs share a created_at, so the id breaks the tie.
      for (let i = 0; i < 14; i++)
        original.push((await makeProgressedJob(connection.id, i, new Date(start + Math.floor(i / 2) * 1000))).id);
      let extra = 100;
      const insertOne = async () => {
        extra += 1;
        await makeProgressedJob(connection.id, extra, new Date(start + (extra % 9) * 1000));
      };
      for (const sort of JOB_SORTS) {
        const seen = await walkOf(connection.id)(sort, insertOne);
        const ids = seen.map((j) => j.id);
        expect(new Set(ids).size, sort).toBe(ids.length);
        expect(ids.filter((id) => original.includes(id)).sort(), sort).toEqual([...original].sort());
        for (let k = 1; k < seen.length; k++) expect(inOrder(sort, seen[k - 1]!, seen[k]!), `${sort} at ${k}`).toBe(true);
      }
    });
  }

  it("the status order is JOB_STATUSES' for every status the database knows", async () => {
    const ranks = await db().$queryRaw<{ status: string; rank: number }[]>`
      SELECT s::text AS status, job_status_rank(s) AS rank FROM unnest(enum_range(NULL::"JobStatus")) AS s ORDER BY 2`;
    expect(ranks.map((r) => r.status)).toEqual([...JOB_STATUSES]);
    expect(new Set(ranks.map((r) => r.rank)).size).toBe(JOB_STATUSES.length);
  });

  it("sorts by the cost and progress the wire shows, with unknown ones last when descending", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    for (let i = 0; i < 8; i++) await makeProgressedJob(connection.id, i, new Date(Date.now() - i * 1000));
    const caller = await callerAs("viewer", provider);
    const byCost = (await caller.finetuning.list({ db_connection_id: connection.id, sort: "-cost" })).items;
    const costs = byCost.map((j) => j.cost.so_far_usd);
    expect(costs).toEqual([...costs].sort((a, b) => (b ?? -1) - (a ?? -1)));
    expect(costs.at(-1)).toBeNull();
    expect(costs[0]).toBeGreaterThan(0);
    const byProgress = (await caller.finetuning.list({ db_connection_id: connection.id, sort: "progress" })).items;
    const percents = byProgress.map((j) => j.progress?.percent ?? null);
    expect(percents[0]).toBeNull();
    expect(percents.at(-1)).toBeCloseTo(66.7);
  });

  it("a job made by create records its price and epochs, so its cost sorts as soon as it trains", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const caller = await callerAs("operator", provider);
    const job = await caller.finetuning.create({ db_connection_id: connection.id, base_llm: { model_parameters: { n_epochs: 2 } } });
    const row = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ usdPer1mTrainingTokens: 3, billedEpochs: 2, sortCost: -1, sortProgress: -1 });
    await db().finetuningJob.update({ where: { id: job.id }, data: { trainingFileTokens: 100_000, step: 5, totalSteps: 20 } });
    const listed = (await caller.finetuning.list({ db_connection_id: connection.id, sort: "-cost" })).items[0]!;
    expect(listed.cost.so_far_usd).toBe(0.15);
    const stored = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(stored).toMatchObject({ sortCost: 0.15, sortProgress: 25 });
  });

  it("q finds a job by any part of its alias in any case, or by its whole id or provider job id", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const a = await makeJob(db(), { dbConnectionId: connection.id, alias: "Churn model 100%_v2", finetuningJobId: "ftjob-abc123" });
    const b = await makeJob(db(), { dbConnectionId: connection.id, alias: "revenue weekly" });
    const caller = await callerAs("viewer", provider);
    const find = async (q: string) => (await caller.finetuning.list({ db_connection_id: connection.id, q })).items.map((j) => j.id).sort();
    expect(await find("CHURN")).toEqual([a.id]);
    expect(await find("  weekly  ")).toEqual([b.id]);
    expect(await find("100%_")).toEqual([a.id]);
    expect(await find("%")).toEqual([a.id]); // a literal percent sign, not a wildcard
    expect(await find("_")).toEqual([a.id]);
    expect(await find(b.id.toUpperCase())).toEqual([b.id]);
    expect(await find(b.id.slice(0, 8))).toEqual([]);
    expect(await find("ftjob-abc123")).toEqual([a.id]);
    expect(await find("ftjob-abc")).toEqual([]);
    expect(await find("")).toEqual([a.id, b.id].sort());

    const viaRest = await rest(api.origin, "GET", `/api/v1/finetunings?db_connection_id=${connection.id}&q=churn&sort=-cost`, {
      key: viewer,
    });
    expect(viaRest.status).toBe(200);
    expect((viaRest.body as FinetuningJob[]).map((j) => j.id)).toEqual([a.id]);
  });

  it("refuses a q over 200 characters, an unknown sort, and a cursor from another sort, naming the field", async () => {
    const tooLong = await rest(api.origin, "GET", `/api/v1/finetunings?q=${"x".repeat(201)}`, { key: viewer });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain("q");
    const unknown = await rest(api.origin, "GET", `/api/v1/finetunings?sort=name`, { key: viewer });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("sort");

    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    for (let i = 0; i < 3; i++) await makeProgressedJob(connection.id, i + 1, new Date(Date.now() - i * 1000));
    const caller = await callerAs("viewer", provider);
    const page = await caller.finetuning.list({ db_connection_id: connection.id, sort: "-cost", limit: 1 });
    expect(page.next_cursor).not.toBeNull();
    await expect(caller.finetuning.list({ sort: "status", cursor: page.next_cursor! })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.finetuning.list({ cursor: page.next_cursor! })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const crossed = await rest(api.origin, "GET", `/api/v1/finetunings?sort=progress&cursor=${page.next_cursor}`, { key: viewer });
    expect(crossed.status).toBe(400);
    expect((crossed.body as { error: { field?: string } }).error.field).toBe("cursor");
  });
});

// Scale-out, shown: 2 app processes and 2 worker processes on one Postgres and
// one shared sandbox (each process serves its own front of it over the shared
// state), under load. Jobs are created through both apps and run by both
// workers; cancels go through either app; one app's live feed shows what was
// done through the other; each job has exactly one provider job; and an app
// process killed mid-load loses no cancel it acknowledged.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Sandbox } from "../../server/provider/sandbox";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { localSandboxEnv, processGroup, type ChildEnv } from "../helpers/processes";
import { waitFor } from "../helpers/worker";
import { ScenarioReport } from "./report";

const JOBS = 40;
// Slow enough that cancels meet running jobs, fast enough that some finish first.
const TIMINGS = { fileProcessingMs: 100, validatingMs: 300, queuedMs: 300, runningMs: 12_000 };

let databaseUrl: string;
let observer: Sandbox;
const processes = processGroup();

function childEnv(): ChildEnv {
  // No OpenAI key: every process starts its front of the shared sandbox.
  return { ...localSandboxEnv({ databaseUrl, timings: TIMINGS, pollMs: 300 }), PROVIDER_TIMEOUT_MS: "5000", NODE_ENV: "test" };
}

const spawnUntil = (script: string, ready: RegExp, name: string) => processes.startUntil(script, childEnv(), ready, name);
const stop = processes.stop;

beforeAll(async () => {
  databaseUrl = await useIsolatedDatabase();
});
afterAll(async () => {
  await processes.stopAll();
  await observer?.close();
});

type SseEvent = { event?: string; data?: string; id?: string };

/** The live feed of one app, read the way a browser's EventSource reads it. */
async function openFeed(origin: string, key: string, input: object) {
  const controller = new AbortController();
  const res = await fetch(`${origin}/api/trpc/finetuning.onChange?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  const seen: Array<{ id: string; status: string }> = [];
  const reading = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const event: SseEvent = {};
        for (const line of buffer.slice(0, end).split("\n")) {
          const [field, ...rest] = line.split(": ");
          if (field === "event" || field === "data" || field === "id") event[field] = rest.join(": ");
        }
        buffer = buffer.slice(end + 2);
        if (event.data && !event.event) seen.push(JSON.parse(event.data) as { id: string; status: string });
      }
    }
  })();
  return { status: res.status, seen, close: async () => (controller.abort(), await reading) };
}

async function trpc(origin: string, key: string, procedure: string, input: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

it("2 apps + 2 workers on one Postgres and one shared sandbox: cancels through either app, the other's feed shows them, one provider job per job, a killed app loses no acknowledged cancel", async () => {
  const report = new ScenarioReport("scale-out: 2 apps, 2 workers, one database, one sandbox");
  const { db } = await import("../../server/db");
  const { createApiKey } = await import("../../server/auth/admin");
  const { makeConnection } = await import("../helpers/factories");
  const { key: operator } = await createApiKey({ name: "scale-out-operator", role: "operator" });
  const { key: viewer } = await createApiKey({ name: "scale-out-viewer", role: "viewer" });
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });

  const [a, b] = await Promise.all([
    spawnUntil("tests/reliability/scale-out-app.ts", /READY (\S+)/, "app A"),
    spawnUntil("tests/reliability/scale-out-app.ts", /READY (\S+)/, "app B"),
  ]);
  await Promise.all([
    spawnUntil("scripts/worker.ts", /Worker \d+ running/, "worker 1"),
    spawnUntil("scripts/worker.ts", /Worker \d+ running/, "worker 2"),
  ]);
  const originA = a.match[1]!;
  const originB = b.match[1]!;
  // The test's own look at the shared sandbox: one more front on the same state.
  const { startSandbox } = await import("../../server/provider/sandbox");
  observer = await startSandbox({ databaseUrl });

  const feedB = await openFeed(originB, viewer, { db_connection_id: connection.id });
  expect(feedB.status).toBe(200);

  // Jobs created through both apps, half each, four at a time.
  const created: string[] = [];
  for (let i = 0; i < JOBS; i += 4) {
    const batch = await Promise.all(
      [i, i + 1, i + 2, i + 3].map(async (n) => {
        const { status, body } = await trpc(n % 2 ? originB : originA, operator, "finetuning.create", {
          db_connection_id: connection.id,
          alias: `scale-${n}`,
        });
        expect(status, JSON.stringify(body)).toBe(200);
        return (body as { result: { data: { id: string } } }).result.data.id;
      }),
    );
    created.push(...batch);
  }
  // Both workers take them to running at the shared sandbox.
  await waitFor(
    () => db().finetuningJob.count({ where: { id: { in: created }, status: "running" } }),
    (n) => n >= JOBS * 0.75,
    60_000,
  );

  // Cancels through both apps at once; app A is killed while its cancels are in flight.
  const acknowledged = new Map<string, "A" | "B">();
  const cancel = async (origin: string, name: "A" | "B", id: string): Promise<boolean> => {
    const answer = await trpc(origin, operator, "finetuning.cancel", { finetuning_id: id }).catch(() => null);
    if (answer?.status === 200) {
      report.success();
      acknowledged.set(id, name);
      return true;
    }
    const code = (answer?.body as { error?: { data?: { code?: string } } } | null)?.error?.data?.code;
    report.error(answer ? (code ?? `HTTP_${answer.status}`) : "CONNECTION_LOST");
    return answer !== null;
  };
  const retriedThroughB: string[] = [];
  const cancelThrough = async (origin: string, name: "A" | "B", ids: string[]) => {
    for (const id of ids) {
      // As a load balancer would: a request app A never answered is sent again to app B.
      if (!(await cancel(origin, name, id)) && name === "A") {
        retriedThroughB.push(id);
        await cancel(originB, "B", id);
      }
    }
  };
  const throughA = created.filter((_, i) => i % 2 === 0);
  const throughB = created.filter((_, i) => i % 2 === 1).slice(0, JOBS / 2 - 4); // a few run to the end
  const loadA = cancelThrough(originA, "A", throughA);
  const loadB = cancelThrough(originB, "B", throughB);
  await waitFor(
    () => [...acknowledged.values()].filter((v) => v === "A").length,
    (n) => n >= 6,
    30_000,
  );
  await stop(a.child, "SIGKILL");
  await Promise.all([loadA, loadB]);
  const ackA = [...acknowledged].filter(([, via]) => via === "A").map(([id]) => id);
  report.check(
    ackA.length >= 6 && ackA.length < throughA.length,
    `app A acknowledged ${ackA.length} of ${throughA.length} before it was killed`,
  );

  // No acknowledged cancel is lost, whichever app acknowledged it.
  const rows = await db().finetuningJob.findMany({
    where: { id: { in: created } },
    select: { id: true, status: true, finetuningJobId: true },
  });
  for (const row of rows) {
    if (acknowledged.has(row.id))
      report.check(row.status === "cancelled", `job ${row.id}: cancel acknowledged by app ${acknowledged.get(row.id)} but ${row.status}`);
  }
  // The ones app A never answered (one of them in flight when it died, its cancel claim dying with it):
  // app B cancelled each, unless the job had finished first (a CONFLICT, and the job succeeded).
  for (const id of retriedThroughB) {
    const row = rows.find((r) => r.id === id);
    report.check(
      acknowledged.get(id) === "B" || row?.status === "succeeded",
      `job ${id}: app A died, and app B neither cancelled it nor found it finished (${row?.status})`,
    );
  }

  // App B's feed showed the cancels made through app A.
  await waitFor(
    () => ackA.filter((id) => feedB.seen.some((c) => c.id === id && c.status === "cancelled")).length,
    (n) => n === ackA.length,
    15_000,
  ).catch(() => undefined);
  for (const id of ackA)
    report.check(
      feedB.seen.some((c) => c.id === id && c.status === "cancelled"),
      `job ${id}: cancelled through app A, never seen on app B's feed`,
    );
  await feedB.close();

  // The others run to the end at the shared sandbox, followed by either worker.
  const left = created.filter((id) => !acknowledged.has(id));
  await waitFor(
    () => db().finetuningJob.count({ where: { id: { in: left }, status: { in: ["validating_files", "queued", "running"] } } }),
    (n) => n === 0,
    90_000,
  ).catch(() => undefined);

  // One provider job per job, and none left running for a cancelled job.
  const providerJobs = await observer.jobs();
  const final = await db().finetuningJob.findMany({
    where: { id: { in: created } },
    select: { id: true, status: true, finetuningJobId: true, modelId: true },
  });
  await waitFor(
    async () =>
      (await observer.jobs()).filter(
        (j) => j.status === "running" && final.some((r) => r.status === "cancelled" && r.finetuningJobId === j.id),
      ).length,
    (n) => n === 0,
    30_000,
  ).catch(() => undefined);
  const settled = await observer.jobs();
  for (const row of final) {
    const made = providerJobs.filter((j) => j.metadata?.["controlroom_job_id"] === row.id);
    report.check(made.length <= 1, `job ${row.id}: ${made.length} provider jobs`);
    if (row.finetuningJobId)
      report.check(made[0]?.id === row.finetuningJobId, `job ${row.id}: its provider job id is not the one at the sandbox`);
    report.check(
      row.status !== "succeeded" || row.modelId === made[0]?.fine_tuned_model,
      `job ${row.id}: succeeded without the provider's model`,
    );
    report.check(row.status !== "failed", `job ${row.id}: failed (${row.status}) — a worker lost sight of its provider job`);
    const there = settled.find((j) => j.id === row.finetuningJobId);
    if (row.status === "cancelled" && there)
      report.check(["cancelled", "failed"].includes(there.status), `job ${row.id}: cancelled here but ${there.status} at the sandbox`);
  }
  report.check(
    final.every((r) => r.status === "cancelled" || r.status === "succeeded"),
    `not every job ended: ${JSON.stringify(final.map((r) => r.status))}`,
  );

  report.print({
    jobs: JOBS,
    acknowledgedCancels: { A: ackA.length, B: acknowledged.size - ackA.length, retriedThroughB: retriedThroughB.length },
    byStatus: Object.fromEntries(
      ["cancelled", "succeeded", "failed", "running"].map((s) => [s, final.filter((r) => r.status === s).length]),
    ),
    providerJobs: providerJobs.length,
    feedBChanges: feedB.seen.length,
  });
  expect(report.violations).toEqual([]);
});

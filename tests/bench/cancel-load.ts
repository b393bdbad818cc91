// Cancel under load: the floor (bare node:http + pg doing the same guarded
// UPDATE), the product over tRPC and REST, the floor again, and the floor
// without the table's triggers; then where one cancel's time goes.
import { spawn } from "node:child_process";
import { loadCase, quietly, timeConcurrent, type CaseResult } from "./cases";
import { DURATION_MS, log, SKIP, type BenchContext } from "./context";
import { childEnv, NODE, ROOT, runLoadgen, stopChild, track, waitForHttp, writeIds } from "./harness";
import { freePort, sampleRss } from "./lib";
import type { LoadSpec } from "./loadgen";
import { countStatements } from "./statements";

export type CancelCases = Record<string, CaseResult | { available: false; reason: string }>;

export async function measureCancelUnderLoad(
  ctx: BenchContext,
): Promise<{ cases: CancelCases; loadMemory: { peakRssMb: number; hwmMb: number; samples: number } }> {
  const { pool, tmp, pgDataDir, floor, authorization } = ctx;
  const { port, pid: appPid, baseUrl } = ctx.app;
  const cases: CancelCases = {};
  const waitsUrl = ctx.databaseUrl;
  const floorCase = (name: string, concurrency: number, idsPerSecond: number) =>
    loadCase({
      name,
      spec: { host: "127.0.0.1", port: floor?.port as number, kind: "floor-cancel", concurrency, expect: '"status":"cancelled"' },
      pool,
      idsPerSecond,
      tmp,
      serverPid: floor?.pid as number,
      pgDataDir,
      waitsUrl,
    });
  if (floor) {
    cases.floor_c1 = await floorCase("floor c=1", 1, 4_000);
    cases.floor_c16 = await floorCase("floor c=16", 16, 11_000);
  }
  const productCase = (name: string, kind: LoadSpec["kind"], concurrency: number, idsPerSecond: number) =>
    loadCase({
      name,
      spec: { host: "127.0.0.1", port, kind, authorization, concurrency, expect: '"status":"cancelled"' },
      pool,
      idsPerSecond,
      tmp,
      serverPid: appPid,
      pgDataDir,
      waitsUrl,
    });
  // The app's first minute under load (JIT, a heap still growing) would weigh on whichever case ran first: warm both transports up, unmeasured.
  for (const kind of ["trpc-cancel", "rest-cancel"] as const) {
    const ids = await writeIds(tmp, `warmup-${kind}`, await pool.take(4 * 4_000));
    await runLoadgen({ host: "127.0.0.1", port, kind, authorization, concurrency: 16, warmupMs: 0, durationMs: 4_000, idsFile: ids });
  }
  const loadRss = sampleRss(appPid, 100);
  cases.trpc_c1 = await productCase("tRPC cancel c=1", "trpc-cancel", 1, 3_000);
  cases.trpc_c16 = await productCase("tRPC cancel c=16", "trpc-cancel", 16, 6_000);
  // REST: available when the route answers a real cancel (a 404 from Next means it is not mounted yet).
  const [probeId] = await pool.take(1);
  const probe = await fetch(`${baseUrl}/api/v1/finetunings/${probeId}/cancel`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ finetuning_id: probeId }),
  });
  const probeBody = await probe.text();
  const restAvailable = probe.status === 200 && probeBody.includes('"status":"cancelled"');
  if (restAvailable && !SKIP.has("rest")) {
    cases.rest_c1 = await productCase("REST cancel c=1", "rest-cancel", 1, 3_000);
    cases.rest_c16 = await productCase("REST cancel c=16", "rest-cancel", 16, 6_000);
  } else {
    const reason = SKIP.has("rest")
      ? "skipped (BENCH_SKIP=rest)"
      : `not available: POST /api/v1/finetunings/{id}/cancel answered ${probe.status}`;
    cases.rest_c1 = cases.rest_c16 = { available: false, reason };
    log(`REST cancel: ${reason}`);
  }
  const loadMemory = loadRss.stop();
  if (floor) {
    cases.floor_c16_after = await floorCase("floor c=16 (again, after)", 16, 11_000);
    // Diagnostic: the same floor without the table's NOTIFY trigger (session_replication_role=replica).
    const noTriggerPort = await freePort();
    const noTrigger = track(
      spawn(NODE, ["--import", "tsx", "tests/bench/floor-server.ts"], {
        cwd: ROOT,
        env: childEnv({ DATABASE_URL: ctx.databaseUrl, PORT: String(noTriggerPort), FLOOR_NO_TRIGGERS: "1" }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "floor-nt",
      ctx.appLog,
    );
    await waitForHttp(`http://127.0.0.1:${noTriggerPort}/`, noTrigger, 30_000, (s) => s === 404);
    cases.floor_nt_c16 = await loadCase({
      name: "floor c=16, NOTIFY trigger off",
      spec: { host: "127.0.0.1", port: noTriggerPort, kind: "floor-cancel", concurrency: 16, expect: '"status":"cancelled"' },
      pool,
      idsPerSecond: 11_000,
      tmp,
      serverPid: noTrigger.pid as number,
      pgDataDir,
      waitsUrl,
    });
    await stopChild(noTrigger);
  }
  return { cases, loadMemory };
}

/** Where a cancel's time goes: SQL statements per cancel, and the same work called in-process (no HTTP, no tRPC). */
export async function measureCancelBreakdown(ctx: BenchContext) {
  const { pool } = ctx;
  const statementIds = await pool.take(50);
  const cancelStatements = await countStatements(ctx.admin, ctx.pgLog, statementIds.length, async (i) => {
    const r = await fetch(`${ctx.app.baseUrl}/api/trpc/finetuning.cancel`, {
      method: "POST",
      headers: { authorization: ctx.authorization, "content-type": "application/json" },
      body: JSON.stringify({ finetuning_id: statementIds[i] }),
    });
    if (r.status !== 200) throw new Error(`cancel answered ${r.status}`);
    await r.text();
  });
  const { authenticateApiKey } = await import("../../server/auth/api-key");
  const { cancelJob } = await import("../../server/finetuning/cancel");
  const { provider } = await import("../../server/provider");
  const { db } = await import("../../server/db");
  const database = db();
  const serviceCancel = async (id: string) => {
    const actor = await authenticateApiKey({ db: database, key: ctx.key });
    const job = await cancelJob({ db: database, provider: provider(), actor, id });
    if (job.status !== "cancelled") throw new Error("not cancelled");
  };
  await timeConcurrent(await pool.take(2_000), 1, 2_000, serviceCancel); // warm-up
  await quietly("the in-process cancels");
  const inProcess = {
    c1: await timeConcurrent(await pool.take(Math.ceil((DURATION_MS / 1000) * 4_000)), 1, DURATION_MS, serviceCancel),
    c16: await timeConcurrent(await pool.take(Math.ceil((DURATION_MS / 1000) * 8_000)), 16, DURATION_MS, serviceCancel),
  };
  log(
    `in-process auth+cancel (this process, Prisma, pool 10): c=1 ${inProcess.c1.rps.toFixed(0)} req/s p50 ${inProcess.c1.latency.p50.toFixed(3)} ms; c=16 ${inProcess.c16.rps.toFixed(0)} req/s p50 ${inProcess.c16.latency.p50.toFixed(3)} ms`,
  );
  return { cancelStatements, inProcess };
}

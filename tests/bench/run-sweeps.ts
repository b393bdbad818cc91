// The sweeps section of `npm run bench`, alone: what a sweep's early-stopping
// decision costs the worker per new metric step at 32 runs (sweeps.ts), in a
// fresh embedded Postgres holding BENCH_JOBS jobs as the full run does, with
// its verdict against the target. No build, no app, no browser.
//
//   npx tsx tests/bench/run-sweeps.ts        → bench-results/sweeps.json
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { EmbeddedPostgres } from "../../server/launch/embedded";
import { JOBS, log } from "./context";
import {
  insertConnection,
  insertJobs,
  machineFacts,
  makeRunDir,
  runBounded,
  startRunDatabase,
  tearDown,
  useProductHere,
  writeResults,
} from "./harness";
import { sweepsTarget } from "./report";
import { measureSweepDecisions } from "./sweeps";

async function main(): Promise<void> {
  const tmp = await makeRunDir("controlroom-bench-sweeps-");
  let embedded: EmbeddedPostgres | undefined;
  let admin: pg.Client | undefined;
  try {
    ({ embedded, admin } = await startRunDatabase(tmp));
    const connectionId = await insertConnection(admin);
    const t0 = performance.now();
    await insertJobs(admin, connectionId, 1, JOBS, "bench");
    await admin.query("VACUUM (ANALYZE) finetuning_jobs");
    log(`inserted ${JOBS} running jobs in ${(performance.now() - t0).toFixed(0)} ms`);
    useProductHere(embedded.url);

    const sweeps = await measureSweepDecisions({ admin, connectionId });
    const target = sweepsTarget(sweeps);
    console.log(
      `\n  ${target.pass === null ? "n/a " : target.pass ? "PASS" : "FAIL"}  ${target.name}: ${target.measured ?? "—"} ${target.unit} (target ${target.target}; gap ${target.gap})`,
    );
    const { db } = await import("../../server/db");
    await db().$disconnect();

    const results = {
      startedAt: new Date().toISOString(),
      command: "npx tsx tests/bench/run-sweeps.ts",
      jobs: JOBS,
      machine: machineFacts(),
      sweeps,
      targets: [target],
    };
    log(`wrote ${await writeResults("sweeps.json", results)}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await tearDown({ admin, embedded, tmp });
  }
}

await runBounded("bench sweeps", 15, main);

// The scale section of `npm run bench`, alone (scale.ts): provider calls a
// second, staleness, idle CPU, submission, the live feed at 200 subscribers
// and guardrail trips, at BENCH_SCALE_JOBS running jobs (default 1000; a comma
// list such as 1000,10000), each against its target. Builds the app first if
// .next/BUILD_ID is missing.
//
//   npx tsx tests/bench/run-scale.ts                          → bench-results/scale.json
//   BENCH_SCALE_JOBS=1000,10000 npx tsx tests/bench/run-scale.ts
import os from "node:os";
import { log } from "./context";
import { ensureNextBuild, machineFacts, runBounded, stopAll, writeResults } from "./harness";
import { measureScale, printTargets, scaleJobCounts, scaleTargets } from "./scale";

async function main(): Promise<void> {
  try {
    const counts = scaleJobCounts();
    const buildMs = ensureNextBuild(log);
    const startedAt = new Date().toISOString();
    const loadAverageAtStart = os.loadavg();
    const scale = await measureScale(counts);
    const targets = scaleTargets(scale);
    printTargets("scale targets", targets);
    const results = {
      startedAt,
      command: `BENCH_SCALE_JOBS=${counts.join(",")} npx tsx tests/bench/run-scale.ts`,
      buildMs,
      machine: machineFacts(loadAverageAtStart),
      scale,
      targets,
    };
    log(`wrote ${await writeResults("scale.json", results)}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

await runBounded("bench scale", 20, main);

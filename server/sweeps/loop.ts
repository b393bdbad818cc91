import type { Db } from "../db";
import type { ProviderSource } from "../provider/types";
import { decideSweep, sweepsWithNewMetrics } from "./decide";
import { readSweep } from "./read";
import { startWaitingRuns } from "./runs";
import { carryOutStops, enforceBudget } from "./stop";

// The worker's sweep pass: judge the runs with new metric steps, keep the
// budget, carry out stops, start waiting runs in freed slots, and end the
// sweeps whose runs have all ended. Every worker runs it; the rows make it
// safe to run anywhere, any number of times.

type Standing = { id: string; status: string; max: number; waiting: number; occupying: number; unfinished: number };

async function standings(db: Db): Promise<Standing[]> {
  return db.$queryRaw<Standing[]>`
    SELECT s.id::text AS id, s.status::text AS status, s.max_concurrent AS max,
      (count(*) FILTER (WHERE r.job_id IS NULL))::int AS waiting,
      (count(*) FILTER (WHERE r.stopped_at_step IS NULL
        AND j.status IN ('queued', 'validating_files', 'running', 'pausing', 'cancelling')))::int AS occupying,
      (count(*) FILTER (WHERE r.stopped_at_step IS NULL AND j.deleted_at IS NULL
        AND j.status IN ('queued', 'validating_files', 'running', 'pausing', 'paused', 'cancelling')))::int AS unfinished
    FROM sweeps s JOIN sweep_runs r ON r.sweep_id = s.id LEFT JOIN finetuning_jobs j ON j.id = r.job_id
    WHERE s.status IN ('running', 'paused')
    GROUP BY s.id`;
}

/** Ends a sweep whose runs have all ended, naming its best run and checkpoint. */
async function completeSweep(db: Db, id: string): Promise<void> {
  const sweep = await readSweep(db, id);
  await db.sweep.updateMany({
    where: { id, status: { in: ["running", "paused"] } },
    data: {
      status: "completed",
      endedAt: new Date(),
      bestJobId: sweep.best?.finetuning_id ?? null,
      bestCheckpointId: sweep.best?.checkpoint_id ?? null,
      bestMetric: sweep.best?.metric ?? null,
    },
  });
}

export async function runSweepPass({ db, provider }: { db: Db; provider: ProviderSource }): Promise<void> {
  for (const { sweepId } of await sweepsWithNewMetrics(db)) {
    await decideSweep({ db, sweepId });
    await enforceBudget({ db, provider, sweepId });
  }
  await carryOutStops({ db, provider });
  for (const s of await standings(db)) {
    if (s.status === "running" && s.waiting > 0 && s.occupying < s.max) {
      if (!(await enforceBudget({ db, provider, sweepId: s.id }))) await startWaitingRuns({ db, sweepId: s.id });
    } else if (s.waiting === 0 && s.unfinished === 0) {
      await completeSweep(db, s.id);
    }
  }
}

/** Runs the pass every `everyMs` until stopped; a failed pass is logged and the next one tries again. */
export function startSweepLoop({ db, provider, everyMs }: { db: Db; provider: ProviderSource; everyMs: number }): {
  stop(): Promise<void>;
} {
  let current: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (current) return;
    current = runSweepPass({ db, provider })
      .catch((error: unknown) => console.error("sweep pass failed; trying again shortly", error))
      .finally(() => (current = null));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

import type { Db } from "../../server/db";
import { cancelJob } from "../../server/finetuning/cancel";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { eventsOf, makeJob } from "./factories";

const operator = { kind: "api_key", id: "k", name: "racer", role: "operator" } as const;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type RaceTally = { cancelWon: number; completionWon: number; violations: string[] };

/**
 * Cancel racing provider completion (while the worker polls), `iterations`
 * times; returns who won how often and every broken invariant: one terminal
 * event, our status agreeing with the provider's, the loser answered CONFLICT.
 */
export async function raceCancelAgainstCompletion(args: {
  db: Db;
  provider: FinetuningProvider;
  sandbox: Sandbox;
  fileId: string;
  iterations: number;
}): Promise<RaceTally> {
  const { db, provider, sandbox, fileId } = args;
  const tally: RaceTally = { cancelWon: 0, completionWon: 0, violations: [] };
  for (let i = 0; i < args.iterations; i++) {
    const job = await makeJob(db, { status: "running" });
    const providerJob = await provider.createJob({
      jobId: job.id,
      fileId,
      model: "gpt-4o-mini-2024-07-18",
      parameters: null,
      suffix: null,
    });
    // The shared training file stays unrecorded: a cancel's clean-up would delete it.
    await db.finetuningJob.update({ where: { id: job.id }, data: { finetuningJobId: providerJob.id } });

    // Jitter, held back on alternate sides, so that either side wins some of
    // the races however slow one of them is on this machine.
    const completionDelayMs = i % 2 === 0 ? Math.random() * 12 : Math.random() * 40;
    const [cancel] = await Promise.allSettled([
      cancelJob({ db, provider, actor: operator, id: job.id }),
      delay(completionDelayMs)
        .then(() => sandbox.completeJob(providerJob.id))
        .catch(() => null),
      advanceJob({ db, provider, jobId: job.id, pollSeconds: 0 }),
    ]);
    await advanceJob({ db, provider, jobId: job.id, pollSeconds: 0 }); // the worker's next look

    const final = await db.finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    const there = (await sandbox.jobs()).find((j) => j.id === providerJob.id);
    const terminal = (await eventsOf(db, job.id)).filter(
      (e) => e.toStatus === "succeeded" || e.toStatus === "cancelled" || e.toStatus === "failed",
    );
    const say = (ok: boolean, what: string) => ok || tally.violations.push(`job ${job.id}: ${what}`);
    say(terminal.length === 1, `${terminal.length} terminal events`);
    say(there?.status === final.status, `ours ${final.status}, provider ${there?.status}`);
    if (cancel.status === "fulfilled") {
      tally.cancelWon++;
      say(final.status === "cancelled" && final.modelId === null, `cancel answered 200 but the job is ${final.status}`);
    } else {
      tally.completionWon++;
      const code = (cancel.reason as { code?: string }).code;
      say(code === "CONFLICT", `the losing cancel answered ${code}`);
      say(final.status === "succeeded" && final.modelId === there?.fine_tuned_model, `completion won but the job is ${final.status}`);
    }
  }
  return tally;
}

import type { Db, TxClient } from "../db";
import { SWEEP } from "../auth/actor";
import { isProviderName } from "../provider/capabilities";
import { createJob } from "../finetuning/service";
import { runParametersSchema } from "./schema";

// A sweep's own queue: runs beyond max_concurrent wait without a job and
// start, lowest position first, as others end. A slot is held by a run whose
// job is on its way or training (queued, validating, running, pausing,
// cancelling) and that the sweep has not stopped; a paused run holds none.

export const OCCUPYING_SQL = `j.status IN ('queued', 'validating_files', 'running', 'pausing', 'cancelling') AND r.stopped_at_step IS NULL`;

class NoSlot extends Error {}

/**
 * Holds the sweep's row while a run takes a slot, so concurrent starts never
 * exceed max_concurrent. NO KEY UPDATE: the job's insert already holds the
 * row's KEY SHARE (its foreign key), which a plain FOR UPDATE would deadlock on.
 */
async function claimSlot(tx: TxClient, sweepId: string, position: number, jobId: string): Promise<void> {
  const [sweep] = await tx.$queryRaw<Array<{ max: number; status: string }>>`
    SELECT max_concurrent AS max, status::text AS status FROM sweeps WHERE id = ${sweepId}::uuid FOR NO KEY UPDATE`;
  if (!sweep || sweep.status !== "running") throw new NoSlot();
  const [held] = await tx.$queryRawUnsafe<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM sweep_runs r JOIN finetuning_jobs j ON j.id = r.job_id WHERE r.sweep_id = $1::uuid AND ${OCCUPYING_SQL}`,
    sweepId,
  );
  if ((held?.n ?? 0) >= sweep.max) throw new NoSlot();
  const taken = await tx.$executeRaw`
    UPDATE sweep_runs SET job_id = ${jobId}::uuid WHERE sweep_id = ${sweepId}::uuid AND position = ${position} AND job_id IS NULL`;
  if (taken !== 1) throw new NoSlot();
}

/** Starts waiting runs while the sweep runs and has free slots; answers how many it started. */
export async function startWaitingRuns({ db, sweepId }: { db: Db; sweepId: string }): Promise<number> {
  const sweep = await db.sweep.findUnique({
    where: { id: sweepId },
    select: { name: true, status: true, dbConnectionId: true, modelProvider: true, modelName: true, goldenRecordIds: true },
  });
  if (!sweep || sweep.status !== "running") return 0;
  let started = 0;
  for (;;) {
    const next = await db.sweepRun.findFirst({
      where: { sweepId, jobId: null },
      orderBy: { position: "asc" },
      select: { position: true, parameters: true },
    });
    if (!next) return started;
    try {
      await createJob({
        db,
        actor: SWEEP,
        input: {
          db_connection_id: sweep.dbConnectionId,
          alias: `${sweep.name} #${next.position + 1}`.slice(0, 128),
          base_llm: {
            model_provider: isProviderName(sweep.modelProvider) ? sweep.modelProvider : "openai",
            model_name: sweep.modelName,
            model_parameters: runParametersSchema.parse(next.parameters),
          },
          golden_records: sweep.goldenRecordIds,
        },
        links: { sweepId, attach: (tx, jobId) => claimSlot(tx, sweepId, next.position, jobId) },
      });
      started += 1;
    } catch (error) {
      if (error instanceof NoSlot) return started;
      throw error;
    }
  }
}

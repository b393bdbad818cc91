import type { Db } from "../db";
import { actorLabel, type Actor } from "../auth/actor";
import { AppError } from "../errors";
import { connectionNotFound } from "../connections/errors";
import { cancelManyJobs } from "../finetuning/cancel-many";
import { pauseJob, resumeJob } from "../finetuning/pause";
import { checkModelFor } from "../finetuning/provider-input";
import { resolveGoldenRecords } from "../finetuning/service";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import { capabilitiesOf } from "../provider/capabilities";
import type { ProviderSource } from "../provider/types";
import { readSweep, SWEEP_SELECT, sweepNotFound, toWireSweep } from "./read";
import { startWaitingRuns } from "./runs";
import { gridRuns, type CreateSweepInput, type Sweep, type SweepStatus } from "./schema";

// A sweep's use cases. Its runs are ordinary jobs: every stop, pause or cancel
// of one goes through the jobs' own services, so the guarantees of cancel hold.

export async function createSweep({ db, actor, input }: { db: Db; actor: Actor; input: CreateSweepInput }): Promise<Sweep> {
  const connection = await db.dbConnection.findUnique({ where: { id: input.db_connection_id }, select: { id: true } });
  if (!connection) throw connectionNotFound(input.db_connection_id);
  const provider = input.base_llm?.model_provider ?? "openai";
  const model = input.base_llm?.model_name ?? capabilitiesOf(provider).models[0];
  const runs = input.runs ?? gridRuns(input.grid ?? {});
  for (const parameters of runs) checkModelFor(provider, model, parameters);
  const goldenRecordIds = await resolveGoldenRecords(db, input.db_connection_id, input.golden_records ?? null);
  const sweep = await db.sweep.create({
    data: {
      name: input.name,
      dbConnectionId: input.db_connection_id,
      modelProvider: provider,
      modelName: model,
      goldenRecordIds,
      maxConcurrent: input.max_concurrent,
      maxCostUsd: input.max_cost_usd ?? null,
      earlyStopping: input.early_stopping,
      createdBy: actorLabel(actor),
      runs: { create: runs.map((parameters, position) => ({ position, parameters })) },
    },
    select: { id: true },
  });
  await startWaitingRuns({ db, sweepId: sweep.id });
  return readSweep(db, sweep.id);
}

export async function getSweep({ db, id }: { db: Db; id: string }): Promise<Sweep> {
  return readSweep(db, id);
}

export async function listSweeps({ db, input }: { db: Db; input: { status?: SweepStatus | undefined; limit: number } }) {
  const rows = await db.sweep.findMany({
    where: input.status ? { status: input.status } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit,
    select: SWEEP_SELECT,
  });
  return { items: await Promise.all(rows.map((row) => toWireSweep(db, row))) };
}

/** One guarded status write; a sweep already there answers as it is, an ended one is a 409. */
async function moveSweep(db: Db, id: string, from: SweepStatus[], to: SweepStatus, endReason: string | null): Promise<boolean> {
  const ends = to === "cancelled" || to === "completed";
  const moved = await db.sweep.updateMany({
    where: { id, status: { in: from } },
    data: { status: to, ...(ends ? { endedAt: new Date(), endReason } : {}) },
  });
  if (moved.count === 1) return true;
  const now = await db.sweep.findUnique({ where: { id }, select: { status: true } });
  if (!now) throw sweepNotFound(id);
  if (now.status === to) return false;
  throw new AppError("CONFLICT", `Sweep ${id} is ${now.status}; it cannot be made ${to}.`);
}

async function runJobs(db: Db, sweepId: string, statuses: readonly string[]) {
  return db.finetuningJob.findMany({
    where: { sweepId, deletedAt: null, status: { in: statuses as (typeof ACTIVE_STATUSES)[number][] } },
    select: { id: true, status: true, modelProvider: true, guardrailStoppedAt: true },
  });
}

/** Cancels the sweep and, through the bulk path, every run still active; waiting runs never start. */
export async function cancelSweep(args: { db: Db; provider: ProviderSource; actor: Actor; id: string; reason?: string }): Promise<Sweep> {
  const { db, provider, actor, id } = args;
  const reason = args.reason ?? `cancelled by ${actorLabel(actor)}`;
  await moveSweep(db, id, ["running", "paused"], "cancelled", reason);
  const active = await runJobs(db, id, ACTIVE_STATUSES);
  if (active.length > 0) {
    await cancelManyJobs({ db, provider, actor, input: { ids: active.map((j) => j.id), dry_run: false, metadata: { sweep: id } } });
  }
  return readSweep(db, id);
}

/** Pauses the sweep: no run starts, and the running runs whose provider can pause are paused. */
export async function pauseSweep({
  db,
  provider,
  actor,
  id,
}: {
  db: Db;
  provider: ProviderSource;
  actor: Actor;
  id: string;
}): Promise<Sweep> {
  await moveSweep(db, id, ["running"], "paused", null);
  for (const job of await runJobs(db, id, ["running"])) {
    if (!capabilitiesOf(job.modelProvider).pauseResume) continue;
    await pauseJob({ db, provider, actor, id: job.id, reason: `sweep ${id} paused` }).catch(standDown);
  }
  return readSweep(db, id);
}

/** Resumes the runs the sweep's pause held (not those it stopped early, nor a guardrail's), and starts waiting ones. */
export async function resumeSweep({
  db,
  provider,
  actor,
  id,
}: {
  db: Db;
  provider: ProviderSource;
  actor: Actor;
  id: string;
}): Promise<Sweep> {
  await moveSweep(db, id, ["paused"], "running", null);
  const stopped = new Set(
    (await db.sweepRun.findMany({ where: { sweepId: id, stoppedAtStep: { not: null } }, select: { jobId: true } })).map((r) => r.jobId),
  );
  for (const job of await runJobs(db, id, ["pausing", "paused"])) {
    if (stopped.has(job.id) || job.guardrailStoppedAt) continue;
    await resumeJob({ db, provider, actor, id: job.id, reason: `sweep ${id} resumed` }).catch(standDown);
  }
  await startWaitingRuns({ db, sweepId: id });
  return readSweep(db, id);
}

/** A run that moved meanwhile (finished, cancelled) is left as it is. */
function standDown(error: unknown): void {
  if (error instanceof AppError && error.code === "CONFLICT") return;
  throw error;
}

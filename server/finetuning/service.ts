import "server-only";
import type { Db, TxClient } from "../db";
import { enqueueRun } from "../worker/queue";
import { AppError } from "../errors";
import type { ProviderSource } from "../provider/types";
import { capabilitiesOf } from "../provider/capabilities";
import { checkGuardrailsFor } from "../guardrails/capability";
import { checkModelFor } from "./provider-input";
import { actorLabel, type Actor } from "../auth/actor";
import { announceJobChange } from "./announce";
import { epochsFor } from "./cost";
import { trainingExampleCount } from "./validation-split";
import { priceOf } from "./prices";
import { cancelJob, requestProviderCleanup } from "./cancel";
import { decodeCursor, encodeCursor, sortKeyOf } from "./cursor";
import { listConditions, orderBy } from "./list-order";
import { notFound } from "./errors";
import { findJobRow, JOB_COLUMNS_SQL, JOB_SELECT, toWireJob, type JobRow } from "./job-row";
import type { JobEvent } from "./schema";
import { readGuardrails } from "../guardrails/schema";
import { connectionNotFound } from "../connections/errors";
import {
  isActive,
  MIN_GOLDEN_RECORDS,
  type CreateJobInput,
  type FinetuningJob,
  type JobPage,
  type ListJobsInput,
  type Metadata,
} from "./schema";

/** What a job is part of: the checkpoint it continues from, the sweep it is a run of. */
export type JobLinks = {
  parent?: { jobId: string; checkpointId: string; step: number };
  sweepId?: string;
  /** The model to train from instead of base_llm's (a checkpoint's model). */
  modelName?: string;
  /** The provider's checkpoint to train on from, where it continues that way (Together's from_checkpoint). */
  fromCheckpoint?: string;
  /** Runs inside the create's transaction (a sweep claims its slot there); throwing undoes the create. */
  attach?: (tx: TxClient, jobId: string) => Promise<void>;
};

export async function createJob(args: { db: Db; actor: Actor; input: CreateJobInput; links?: JobLinks }): Promise<FinetuningJob> {
  const { db, actor, input, links } = args;
  const connection = await db.dbConnection.findUnique({ where: { id: input.db_connection_id }, select: { id: true, guardrails: true } });
  if (!connection) {
    throw connectionNotFound(input.db_connection_id);
  }
  const goldenRecordIds = await resolveGoldenRecords(db, input.db_connection_id, input.golden_records ?? null);
  const baseLlm = input.base_llm;
  const providerName = baseLlm?.model_provider ?? "openai";
  const modelName = links?.modelName ?? baseLlm?.model_name ?? capabilitiesOf(providerName).models[0];
  checkModelFor(providerName, modelName, baseLlm?.model_parameters);
  const guardrails = input.guardrails ?? readGuardrails(connection.guardrails);
  checkGuardrailsFor(providerName, guardrails, input.guardrails ? "guardrails" : "the connection's default guardrails");

  const created = await db.$transaction(async (tx) => {
    const row = await tx.finetuningJob.create({
      data: {
        alias: input.alias ?? null,
        dbConnectionId: input.db_connection_id,
        modelProvider: providerName,
        modelName,
        modelParameters: baseLlm?.model_parameters ?? undefined,
        goldenRecordIds,
        // The price and epochs the list's cost order is worked out from, in the database.
        usdPer1mTrainingTokens: priceOf(modelName)?.usd_per_1m_training_tokens ?? null,
        billedEpochs: epochsFor(baseLlm?.model_parameters, trainingExampleCount(goldenRecordIds.length)),
        metadata: input.metadata ?? undefined,
        guardrails,
        createdBy: actorLabel(actor),
        parentJobId: links?.parent?.jobId ?? null,
        parentCheckpointId: links?.parent?.checkpointId ?? null,
        parentStep: links?.parent?.step ?? null,
        fromCheckpoint: links?.fromCheckpoint ?? null,
        sweepId: links?.sweepId ?? null,
        events: { create: { kind: "status_change", toStatus: "queued", actor: actorLabel(actor), reason: "created" } },
      },
      select: JOB_SELECT,
    });
    await links?.attach?.(tx, row.id);
    await enqueueRun(tx, row.id);
    return row;
  });
  announceJobChange(db, created);
  return toWireJob(created);
}

export async function resolveGoldenRecords(db: Db, dbConnectionId: string, requested: string[] | null): Promise<string[]> {
  const ids = requested
    ? [...new Set(requested)]
    : (await db.goldenRecord.findMany({ where: { dbConnectionId }, select: { id: true }, orderBy: { id: "asc" } })).map((r) => r.id);
  if (requested) {
    const found = await db.goldenRecord.count({ where: { dbConnectionId, id: { in: ids } } });
    if (found !== ids.length) {
      throw new AppError(
        "BAD_REQUEST",
        `golden_records: ${ids.length - found} of the ids are not golden records of connection ${dbConnectionId}.`,
        { field: "golden_records" },
      );
    }
  }
  if (ids.length < MIN_GOLDEN_RECORDS) {
    throw new AppError(
      "BAD_REQUEST",
      `golden_records: fine-tuning needs at least ${MIN_GOLDEN_RECORDS} golden records; ${ids.length} given.`,
      { field: "golden_records" },
    );
  }
  return ids;
}

export async function listJobs({ db, input }: { db: Db; input: ListJobsInput }): Promise<JobPage> {
  const after = input.cursor ? decodeCursor(input.cursor, input.sort) : null;
  const rows = await db.$queryRaw<(JobRow & { sortProgress: number; sortCost: number })[]>`
    SELECT ${JOB_COLUMNS_SQL}, j.sort_progress AS "sortProgress", j.sort_cost AS "sortCost"
    FROM finetuning_jobs j
    WHERE ${listConditions(input, after)}
    ${orderBy(input.sort)}
    LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const key = { created_at: undefined, status: last?.status, progress: last?.sortProgress, cost: last?.sortCost }[sortKeyOf(input.sort)];
  return {
    items: page.map(toWireJob),
    next_cursor: rows.length > input.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id, key }, input.sort) : null,
  };
}

/** A deleted job stays readable here (and through its events); only the list and the mutations forget it. */
export async function getJob({ db, id }: { db: Db; id: string }): Promise<FinetuningJob> {
  const row = await db.finetuningJob.findUnique({ where: { id }, select: JOB_SELECT });
  if (!row) throw notFound(id);
  return toWireJob(row);
}

/** Replaces the job's metadata (PUT semantics) in one guarded statement, with its event. */
export async function updateJobMetadata(args: { db: Db; actor: Actor; id: string; metadata: Metadata }): Promise<FinetuningJob> {
  const { db, actor, id, metadata } = args;
  const updated = await db.$transaction(async (tx) => {
    const result = await tx.finetuningJob.updateManyAndReturn({
      where: { id, deletedAt: null },
      data: { metadata },
      select: JOB_SELECT,
    });
    const row = result[0];
    if (!row) return null;
    await tx.jobEvent.create({ data: { jobId: id, kind: "metadata_update", actor: actorLabel(actor), metadata } });
    return row;
  });
  if (!updated) throw notFound(id);
  announceJobChange(db, updated);
  return toWireJob(updated);
}

/** Deletes a job from the list (the event log keeps it): an active job is cancelled first. */
export async function deleteJob(args: { db: Db; provider: ProviderSource; actor: Actor; id: string }): Promise<FinetuningJob> {
  const { db, provider, actor, id } = args;
  const job = await findJobRow(db, id);
  if (!job) throw notFound(id);
  if (isActive(job.status)) await cancelJob({ db, provider, actor, id, metadata: { deleted: "true" } });
  const deleted = await db.$transaction(async (tx) => {
    const result = await tx.finetuningJob.updateManyAndReturn({
      where: { id, deletedAt: null },
      data: { deletedAt: new Date() },
      select: JOB_SELECT,
    });
    const row = result[0];
    if (!row) return null;
    await tx.jobEvent.create({ data: { jobId: id, kind: "deleted", actor: actorLabel(actor) } });
    return row;
  });
  if (!deleted) throw notFound(id);
  announceJobChange(db, { ...deleted, deletedAt: new Date() });
  await requestProviderCleanup(deleted);
  return toWireJob(deleted);
}

export async function listJobEvents({ db, id }: { db: Db; id: string }): Promise<JobEvent[]> {
  const job = await db.finetuningJob.findUnique({ where: { id }, select: { id: true } });
  if (!job) throw notFound(id);
  const rows = await db.jobEvent.findMany({
    where: { jobId: id },
    orderBy: { id: "asc" },
    select: { id: true, kind: true, fromStatus: true, toStatus: true, actor: true, reason: true, metadata: true, at: true },
  });
  return rows.map((row) => ({
    id: row.id.toString(),
    kind: row.kind,
    from_status: row.fromStatus,
    to_status: row.toStatus,
    actor: row.actor,
    reason: row.reason,
    metadata:
      row.metadata !== null && typeof row.metadata === "object" && !Array.isArray(row.metadata)
        ? (row.metadata as Record<string, unknown>)
        : null,
    at: row.at.toISOString(),
  }));
}

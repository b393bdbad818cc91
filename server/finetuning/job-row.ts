import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { jobCost } from "./cost";
import { readGuardrails, readTrips } from "../guardrails/schema";
import { capabilitiesOf, isProviderName } from "../provider/capabilities";
import { finetuningJobSchema, type FinetuningJob, type JobProgress } from "./schema";

// What the services read of a job, and the one mapper to the wire shape.
export const JOB_SELECT = {
  id: true,
  alias: true,
  dbConnectionId: true,
  status: true,
  error: true,
  modelProvider: true,
  modelName: true,
  modelParameters: true,
  finetuningFileId: true,
  finetuningJobId: true,
  modelId: true,
  goldenRecordIds: true,
  metadata: true,
  createdAt: true,
  updatedAt: true,
  finishedAt: true,
  cancelledAt: true,
  cancelClaimedAt: true,
  step: true,
  totalSteps: true,
  trainLoss: true,
  validLoss: true,
  estimatedFinish: true,
  trainedTokens: true,
  trainingFileTokens: true,
  guardrails: true,
  guardrailTrips: true,
  providerStatus: true,
  reportedPriceUsd: true,
  cancelRequestedAt: true,
  cancelStuckAt: true,
  parentJobId: true,
  parentCheckpointId: true,
  parentStep: true,
  sweepId: true,
} as const satisfies Prisma.FinetuningJobSelect;

export type JobRow = Prisma.FinetuningJobGetPayload<{ select: typeof JOB_SELECT }>;

// The same columns for raw statements, aliased to the Prisma field names so
// that one mapper serves both.
export const JOB_COLUMNS_SQL = Prisma.raw(`
  j.id::text AS "id", j.alias AS "alias", j.db_connection_id::text AS "dbConnectionId",
  j.status::text AS "status", j.error AS "error", j.model_provider AS "modelProvider",
  j.model_name AS "modelName", j.model_parameters AS "modelParameters",
  j.finetuning_file_id AS "finetuningFileId", j.finetuning_job_id AS "finetuningJobId",
  j.model_id AS "modelId", j.golden_records::text[] AS "goldenRecordIds", j.metadata AS "metadata",
  j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.finished_at AS "finishedAt",
  j.cancelled_at AS "cancelledAt", j.cancel_claimed_at AS "cancelClaimedAt",
  j.step AS "step", j.total_steps AS "totalSteps", j.train_loss AS "trainLoss", j.valid_loss AS "validLoss",
  j.estimated_finish AS "estimatedFinish", j.trained_tokens AS "trainedTokens",
  j.training_file_tokens AS "trainingFileTokens", j.guardrails AS "guardrails", j.guardrail_trips AS "guardrailTrips",
  j.provider_status AS "providerStatus", j.reported_price_usd AS "reportedPriceUsd",
  j.cancel_requested_at AS "cancelRequestedAt", j.cancel_stuck_at AS "cancelStuckAt",
  j.parent_job_id::text AS "parentJobId", j.parent_checkpoint_id AS "parentCheckpointId", j.parent_step AS "parentStep",
  j.sweep_id::text AS "sweepId"`);

function stringRecord(value: unknown): Record<string, string> | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function modelParameters(value: unknown): FinetuningJob["base_llm"]["model_parameters"] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return value;
}

export function toWireJob(row: JobRow): FinetuningJob {
  return {
    id: row.id,
    alias: row.alias,
    db_connection_id: row.dbConnectionId,
    status: row.status,
    provider_status: row.providerStatus ?? null,
    cancel_stuck_at: row.status === "cancelling" ? (row.cancelStuckAt?.toISOString() ?? null) : null,
    error: row.error,
    base_llm: {
      model_provider: isProviderName(row.modelProvider) ? row.modelProvider : "openai",
      model_name: row.modelName,
      model_parameters: modelParameters(row.modelParameters),
    },
    finetuning_file_id: row.finetuningFileId,
    finetuning_job_id: row.finetuningJobId,
    model_id: row.modelId,
    created_at: row.createdAt.toISOString(),
    golden_records: row.goldenRecordIds,
    metadata: stringRecord(row.metadata),
    updated_at: row.updatedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
    cancelled_at: row.cancelledAt?.toISOString() ?? null,
    progress: progressOf(row),
    // A paused job has no estimate (the provider clears it); a finished one no longer needs it.
    estimated_finish: row.status === "running" ? (row.estimatedFinish?.toISOString() ?? null) : null,
    trained_tokens: row.trainedTokens ?? null,
    guardrails: readGuardrails(row.guardrails),
    guardrail_trips: readTrips(row.guardrailTrips),
    parent: parentOf(row),
    sweep_id: row.sweepId ?? null,
    cost: jobCost({
      reportedPriceUsd: capabilitiesOf(row.modelProvider).reportsPrice ? (row.reportedPriceUsd ?? null) : null,
      finished: row.status === "succeeded" || row.status === "failed" || row.status === "cancelled",
      modelName: row.modelName,
      modelParameters: row.modelParameters,
      goldenRecordCount: row.goldenRecordIds.length,
      trainingFileTokens: row.trainingFileTokens ?? null,
      step: row.step ?? null,
      totalSteps: row.totalSteps ?? null,
      trainedTokens: row.trainedTokens ?? null,
    }),
  };
}

// Rows rebuilt from a webhook snapshot made before lineage existed lack its columns: no parent.
function parentOf(row: JobRow): FinetuningJob["parent"] {
  if (!row.parentJobId || !row.parentCheckpointId) return null;
  return { finetuning_id: row.parentJobId, checkpoint_id: row.parentCheckpointId, step: row.parentStep ?? 0 };
}

// JSON has no NaN or Infinity: a loss that is not a finite number goes on the wire as null.
const finite = (value: number | null | undefined) => (value !== null && value !== undefined && Number.isFinite(value) ? value : null);

// Rows rebuilt from a webhook snapshot may lack the progress columns: undefined reads as "not reported".
function progressOf(row: JobRow): JobProgress | null {
  if (row.step === null || row.step === undefined) return null;
  const total = row.totalSteps ?? null;
  return {
    step: row.step,
    total_steps: total,
    percent: total ? Math.min(100, Math.round((row.step / total) * 1000) / 10) : null,
    train_loss: finite(row.trainLoss),
    valid_loss: finite(row.validLoss),
  };
}

// Used by tests and the REST layer to prove the mapper honours the contract.
export function parseWireJob(value: unknown): FinetuningJob {
  return finetuningJobSchema.parse(value);
}

export async function findJobRow(db: Db, id: string): Promise<JobRow | null> {
  return db.finetuningJob.findFirst({ where: { id, deletedAt: null }, select: JOB_SELECT });
}

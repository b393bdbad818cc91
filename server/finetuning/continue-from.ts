import type { Db } from "../db";
import { AppError } from "../errors";
import type { Actor } from "../auth/actor";
import { cannotReason, capabilitiesOf, isProviderName, type ProviderName } from "../provider/capabilities";
import { notFound } from "./errors";
import type { ContinueFromInput } from "./lineage-schema";
import { createJob, type JobLinks } from "./service";
import type { FinetuningJob, ModelParameters } from "./schema";

type Checkpoint = { providerCheckpointId: string; model: string };

/**
 * How a provider trains on from a checkpoint: OpenAI fine-tunes the
 * checkpoint's model (`fine_tuned_model_checkpoint`) as the new base;
 * Together keeps the base model and starts `from_checkpoint`, whose
 * `{job id}:{step}` form is the id its checkpoints are listed under
 * (server/provider/together.ts). A provider without a row here cannot
 * continue from a checkpoint through us.
 */
const CONTINUES_BY: Partial<Record<ProviderName, (checkpoint: Checkpoint) => Pick<JobLinks, "modelName" | "fromCheckpoint">>> = {
  openai: (checkpoint) => ({ modelName: checkpoint.model }),
  together: (checkpoint) => ({ fromCheckpoint: checkpoint.providerCheckpointId }),
};

/**
 * A new job that trains on from one of a job's checkpoints, whatever that
 * job's status (a cancelled run's work is not lost). It keeps the parent's
 * connection, provider, golden records and parameters unless the input
 * changes them, and records its lineage.
 */
export async function continueFromCheckpoint(args: {
  db: Db;
  actor: Actor;
  input: ContinueFromInput;
  sweepId?: string;
}): Promise<FinetuningJob> {
  const { db, actor, input } = args;
  const parent = await db.finetuningJob.findFirst({
    where: { id: input.finetuning_id, deletedAt: null },
    select: {
      id: true,
      dbConnectionId: true,
      modelProvider: true,
      modelName: true,
      modelParameters: true,
      goldenRecordIds: true,
      guardrails: true,
    },
  });
  if (!parent) throw notFound(input.finetuning_id);
  const checkpoint = await db.jobCheckpoint.findUnique({
    where: { jobId_providerCheckpointId: { jobId: parent.id, providerCheckpointId: input.checkpoint_id } },
    select: { providerCheckpointId: true, model: true, step: true },
  });
  if (!checkpoint) {
    throw new AppError("NOT_FOUND", `Checkpoint ${input.checkpoint_id} of fine-tuning job ${parent.id} not found.`, {
      field: "checkpoint_id",
    });
  }
  const provider = parent.modelProvider;
  const how = isProviderName(provider) ? CONTINUES_BY[provider] : undefined;
  if (!capabilitiesOf(provider).continueFromCheckpoint || !how) {
    throw new AppError("CONFLICT", cannotReason(provider, "continue a job from a checkpoint here"));
  }
  const inherited = asParameters(parent.modelParameters);
  const changed = input.base_llm?.model_parameters ?? null;
  return createJob({
    db,
    actor,
    input: {
      db_connection_id: parent.dbConnectionId,
      alias: input.alias ?? null,
      base_llm: {
        model_provider: isProviderName(provider) ? provider : "openai",
        model_name: parent.modelName,
        model_parameters: changed ? { ...inherited, ...changed } : inherited,
      },
      golden_records: input.golden_records ?? parent.goldenRecordIds,
      metadata: input.metadata ?? null,
    },
    links: {
      parent: { jobId: parent.id, checkpointId: checkpoint.providerCheckpointId, step: checkpoint.step },
      ...how(checkpoint),
      ...(args.sweepId ? { sweepId: args.sweepId } : {}),
    },
  });
}

function asParameters(value: unknown): ModelParameters | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  return value;
}

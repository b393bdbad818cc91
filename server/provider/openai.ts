import OpenAI, { BadRequestError, toFile } from "openai";
import type { FineTuningJob } from "openai/resources/fine-tuning/jobs/jobs";
import { observeProviderCall } from "../metrics/registry";
import { asProviderError, withRetries } from "./retry";
import {
  PROVIDER_JOB_STATUSES,
  ProviderNotFoundError,
  type CreateProviderJobArgs,
  type FileState,
  type FinetuningProvider,
  type ProviderJob,
} from "./types";

// Our job id rides in the provider job's metadata, so a create whose outcome
// is unclear can be looked up instead of repeated.
export const JOB_ID_METADATA_KEY = "controlroom_job_id";

export type OpenAIProviderOptions = { apiKey: string; baseURL?: string; timeoutMs: number; deadlineMs: number };

export class UnknownProviderStatusError extends Error {
  override readonly name = "UnknownProviderStatusError";
}

export function toProviderJob(job: FineTuningJob): ProviderJob {
  if (!(PROVIDER_JOB_STATUSES as readonly string[]).includes(job.status)) {
    throw new UnknownProviderStatusError(`Provider job ${job.id} has an unknown status "${job.status}"`);
  }
  return {
    id: job.id,
    status: job.status,
    fineTunedModel: job.fine_tuned_model,
    error: job.error ? job.error.message : null,
    trainingFile: job.training_file,
  };
}

function hyperparameters(args: CreateProviderJobArgs) {
  const p = args.parameters ?? {};
  const int = (v: number | string | undefined, fallback: number) => (v === undefined ? fallback : Number.isNaN(Number(v)) ? fallback : Number(v));
  const lr = p.learning_rate_multiplier;
  return {
    n_epochs: int(p.n_epochs, 3),
    batch_size: int(p.batch_size, 1),
    learning_rate_multiplier: lr === undefined || lr === "auto" ? ("auto" as const) : Number(lr),
  };
}

export function createOpenAIProvider(options: OpenAIProviderOptions): FinetuningProvider {
  // Retries are ours (withRetries), so the SDK never repeats a call by itself.
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 0 });
  // Counted and timed per call (retries included) for GET /metrics.
  const retry = <T>(what: string, call: () => Promise<T>) => observeProviderCall(what, () => withRetries(call, { deadlineMs: options.deadlineMs, what }));

  async function findJobFor(jobId: string): Promise<ProviderJob | null> {
    const page = await retry("look up provider job", () => client.fineTuning.jobs.list({ limit: 10, metadata: { [JOB_ID_METADATA_KEY]: jobId } }));
    const match = page.data.find((job) => job.metadata?.[JOB_ID_METADATA_KEY] === jobId);
    return match ? toProviderJob(match) : null;
  }

  return {
    uploadTrainingFile({ jobId, jsonl }) {
      return observeProviderCall("upload training file", async () => {
        try {
          const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), `controlroom-${jobId}.jsonl`), purpose: "fine-tune" });
          return { fileId: file.id };
        } catch (error) {
          throw asProviderError(error, "upload training file");
        }
      });
    },

    async fileState(fileId): Promise<FileState> {
      const file = await retry("retrieve training file", () => client.files.retrieve(fileId));
      if (file.status === "processed") return { status: "processed" };
      if (file.status === "error") return { status: "error", message: file.status_details ?? "The provider rejected the training file" };
      return { status: "processing" };
    },

    async deleteFile(fileId) {
      try {
        await retry("delete training file", () => client.files.delete(fileId));
      } catch (error) {
        // Already gone is what we wanted.
        if (error instanceof ProviderNotFoundError) return;
        throw error;
      }
    },

    async createJob(args) {
      const existing = await findJobFor(args.jobId);
      if (existing) return existing;
      try {
        const job = await client.fineTuning.jobs.create({
          model: args.model,
          training_file: args.fileId,
          suffix: args.suffix ?? undefined,
          metadata: { [JOB_ID_METADATA_KEY]: args.jobId },
          method: { type: "supervised", supervised: { hyperparameters: hyperparameters(args) } },
        });
        return toProviderJob(job);
      } catch (error) {
        // The job may exist even though we got no answer: look before anyone repeats.
        const created = await findJobFor(args.jobId).catch(() => null);
        if (created) return created;
        throw asProviderError(error, "create provider job");
      }
    },

    findJobFor,

    async retrieveJob(providerJobId) {
      return toProviderJob(await retry("retrieve provider job", () => client.fineTuning.jobs.retrieve(providerJobId)));
    },

    async cancelJob(providerJobId) {
      try {
        return toProviderJob(await retry("cancel provider job", () => client.fineTuning.jobs.cancel(providerJobId)));
      } catch (error) {
        // A job that already finished cannot be cancelled: report how it ended.
        if (error instanceof Error && error.cause instanceof BadRequestError) {
          const job = toProviderJob(await retry("retrieve provider job", () => client.fineTuning.jobs.retrieve(providerJobId)));
          if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
        }
        throw error;
      }
    },

    async listEvents(providerJobId) {
      const page = await retry("list provider events", () => client.fineTuning.jobs.listEvents(providerJobId, { limit: 100 }));
      return page.data.map((e) => ({ id: e.id, createdAt: new Date(e.created_at * 1000), level: e.level, message: e.message }));
    },
  };
}

import OpenAI, { BadRequestError, toFile } from "openai";
import type { FineTuningJobCheckpoint } from "openai/resources/fine-tuning/jobs/checkpoints";
import type { FineTuningJob, FineTuningJobEvent } from "openai/resources/fine-tuning/jobs/jobs";
import { observeProviderCall } from "../observations";
import { asProviderError, withRetries } from "./retry";
import { PROVIDER_CAPABILITIES } from "./capabilities";
import { mapProviderStatus } from "./statuses";
import {
  fileNameFor,
  ProviderNotFoundError,
  type CreateProviderJobArgs,
  type FileState,
  type FinetuningProvider,
  type ProviderCheckpoint,
  type ProviderEvent,
  type ProviderJob,
  type ProviderMetrics,
  accountOf,
} from "./types";

// Our job id rides in the provider job's metadata, so a create whose outcome
// is unclear can be looked up instead of repeated.
export const JOB_ID_METADATA_KEY = "controlroom_job_id";

export type OpenAIProviderOptions = {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  deadlineMs: number;
  /** The HTTP client under the SDK: the provider's request budget (server/provider/budget.ts). */
  fetch?: typeof fetch;
};

export { UnknownProviderStatusError } from "./statuses";

/** The SDK's job type lists only the documented statuses; the live API also sends pausing/paused. */
export function toProviderJob(job: FineTuningJob): ProviderJob {
  return {
    id: job.id,
    status: mapProviderStatus("openai", job.status, job.id),
    providerStatus: job.status,
    fineTunedModel: job.fine_tuned_model,
    error: job.error ? job.error.message : null,
    trainingFile: job.training_file,
    estimatedFinish: typeof job.estimated_finish === "number" ? new Date(job.estimated_finish * 1000) : null,
    trainedTokens: job.trained_tokens ?? null,
    reportedPriceUsd: null,
  };
}

/** Absent → null; present but not a finite-or-NaN number (null, "NaN") → NaN. */
function metric(data: Record<string, unknown>, key: string): number | null {
  if (!(key in data)) return null;
  const value = data[key];
  return typeof value === "number" ? value : Number.NaN;
}

export function toProviderMetrics(data: unknown): ProviderMetrics | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const step = d["step"] ?? d["step_number"];
  if (typeof step !== "number" || !Number.isInteger(step)) return null;
  return {
    step,
    totalSteps: typeof d["total_steps"] === "number" ? d["total_steps"] : null,
    trainLoss: metric(d, "train_loss"),
    trainMeanTokenAccuracy: metric(d, "train_mean_token_accuracy"),
    validLoss: metric(d, "valid_loss"),
    validMeanTokenAccuracy: metric(d, "valid_mean_token_accuracy"),
    fullValidLoss: metric(d, "full_valid_loss"),
    fullValidMeanTokenAccuracy: metric(d, "full_valid_mean_token_accuracy"),
  };
}

export function toProviderEvent(e: FineTuningJobEvent): ProviderEvent {
  return {
    id: e.id,
    createdAt: new Date(e.created_at * 1000),
    level: e.level,
    message: e.message,
    metrics: e.type === "metrics" ? toProviderMetrics(e.data) : null,
  };
}

export function toProviderCheckpoint(c: FineTuningJobCheckpoint): ProviderCheckpoint {
  const metrics = toProviderMetrics({ ...c.metrics, step: c.step_number });
  return {
    id: c.id,
    createdAt: new Date(c.created_at * 1000),
    model: c.fine_tuned_model_checkpoint,
    step: c.step_number,
    metrics: metrics ?? {
      step: c.step_number,
      totalSteps: null,
      trainLoss: null,
      trainMeanTokenAccuracy: null,
      validLoss: null,
      validMeanTokenAccuracy: null,
      fullValidLoss: null,
      fullValidMeanTokenAccuracy: null,
    },
  };
}

/** How many events one incremental read may page through. */
const MAX_EVENTS = 10_000;

function hyperparameters(args: CreateProviderJobArgs) {
  const p = args.parameters ?? {};
  const int = (v: number | string | undefined, fallback: number) =>
    v === undefined ? fallback : Number.isNaN(Number(v)) ? fallback : Number(v);
  const lr = p.learning_rate_multiplier;
  return {
    n_epochs: int(p.n_epochs, 3),
    batch_size: int(p.batch_size, 1),
    learning_rate_multiplier: lr === undefined || lr === "auto" ? ("auto" as const) : Number(lr),
  };
}

export function createOpenAIProvider(options: OpenAIProviderOptions): FinetuningProvider {
  // Retries are ours (withRetries), so the SDK never repeats a call by itself.
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: 0,
    fetch: options.fetch,
  });
  // Counted and timed per call (retries included) for GET /metrics.
  const retry = <T>(what: string, call: () => Promise<T>) =>
    observeProviderCall(what, () => withRetries(call, { deadlineMs: options.deadlineMs, what }));

  async function findJobFor(jobId: string): Promise<ProviderJob | null> {
    const page = await retry("look up provider job", () =>
      client.fineTuning.jobs.list({ limit: 10, metadata: { [JOB_ID_METADATA_KEY]: jobId } }),
    );
    const match = page.data.find((job) => job.metadata?.[JOB_ID_METADATA_KEY] === jobId);
    return match ? toProviderJob(match) : null;
  }

  return {
    name: "openai",
    account: accountOf("openai", options.baseURL, options.apiKey),
    capabilities: PROVIDER_CAPABILITIES.openai,

    uploadTrainingFile({ jobId, jsonl, role = "training" }) {
      return observeProviderCall("upload training file", async () => {
        try {
          const file = await client.files.create({
            file: await toFile(Buffer.from(jsonl), fileNameFor(jobId, role)),
            purpose: "fine-tune",
          });
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
      const existing = args.firstAttempt ? null : await findJobFor(args.jobId);
      if (existing) return existing;
      try {
        const job = await client.fineTuning.jobs.create({
          model: args.model,
          training_file: args.fileId,
          validation_file: args.validationFileId ?? undefined,
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

    async pauseJob(providerJobId) {
      return toProviderJob(await retry("pause provider job", () => client.fineTuning.jobs.pause(providerJobId)));
    },

    async resumeJob(providerJobId) {
      return toProviderJob(await retry("resume provider job", () => client.fineTuning.jobs.resume(providerJobId)));
    },

    async *listJobs() {
      let page = await retry("list provider jobs", () => client.fineTuning.jobs.list({ limit: 100 }));
      for (;;) {
        yield page.data.map(toProviderJob);
        if (!page.hasNextPage()) return;
        const current = page;
        page = await retry("list provider jobs", () => current.getNextPage());
      }
    },

    async listCheckpoints(providerJobId) {
      const out: ProviderCheckpoint[] = [];
      let page = await retry("list provider checkpoints", () => client.fineTuning.jobs.checkpoints.list(providerJobId, { limit: 100 }));
      for (;;) {
        out.push(...page.data.map(toProviderCheckpoint));
        if (!page.hasNextPage()) break;
        const current = page;
        page = await retry("list provider checkpoints", () => current.getNextPage());
      }
      return out.reverse(); // the API lists newest first
    },

    async listEvents(providerJobId, options = {}) {
      const since = options.afterEventId ?? null;
      const newestFirst: ProviderEvent[] = [];
      let page = await retry("list provider events", () => client.fineTuning.jobs.listEvents(providerJobId, { limit: 100 }));
      for (;;) {
        for (const event of page.data) {
          if (event.id === since) return newestFirst.reverse();
          newestFirst.push(toProviderEvent(event));
        }
        if (since === null || newestFirst.length >= MAX_EVENTS || !page.hasNextPage()) break;
        const current = page;
        page = await retry("list provider events", () => current.getNextPage());
      }
      return newestFirst.reverse();
    },
  };
}

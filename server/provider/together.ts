import Together from "together-ai";
import type { FileResponse } from "together-ai/resources/files";
import type {
  FineTuningCancelResponse,
  FineTuningCreateParams,
  FineTuningListCheckpointsResponse,
  FinetuneEvent,
  FinetuneResponse,
} from "together-ai/resources/fine-tuning";
import { observeProviderCall } from "../observations";
import { PROVIDER_CAPABILITIES } from "./capabilities";
import { asProviderError, withRetries } from "./retry";
import { mapProviderStatus } from "./statuses";
import {
  fileNameFor,
  ProviderNotFoundError,
  ProviderRejectedError,
  type CreateProviderJobArgs,
  type FileState,
  type FinetuningProvider,
  type ProviderCheckpoint,
  type ProviderEvent,
  type ProviderJob,
  type ProviderMetrics,
  accountOf,
} from "./types";

// Together AI's fine-tuning API through its official SDK (`together-ai`). Its
// shapes are in Together's published OpenAPI document; where it differs from
// OpenAI: cancel is asynchronous (cancel_requested → cancelled), there is no
// pause, jobs carry no metadata (our job id rides in the suffix instead), the
// per-step losses come from the metrics endpoint, and the job reports its own
// price (total_price, in nano-dollars).

export type TogetherProviderOptions = {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  deadlineMs: number;
  /** The HTTP client under the SDK: the provider's request budget (server/provider/budget.ts). */
  fetch?: typeof fetch;
};

/**
 * total_price's unit, which Together's document leaves unstated: nano-dollars
 * (1e-9 USD), as Together's own Python SDK converts it for display.
 */
export const TOGETHER_PRICE_UNITS_PER_USD = 1_000_000_000;

/** Our job id in the suffix, so a create whose outcome is unclear can be looked up instead of repeated. */
export function suffixFor(jobId: string): string {
  return `cr-${jobId}`;
}

type TogetherJob = FinetuneResponse | FineTuningCancelResponse;

export function toTogetherProviderJob(job: TogetherJob): ProviderJob {
  const status = mapProviderStatus("together", job.status, job.id);
  const progress = "progress" in job ? job.progress : undefined;
  const remaining = progress?.estimate_available ? progress.seconds_remaining : null;
  return {
    id: job.id,
    status,
    providerStatus: job.status,
    fineTunedModel: status === "succeeded" ? (job.model_output_name ?? null) : null,
    error: status === "failed" ? "Together reported the job as failed (error); its events say why" : null,
    trainingFile: job.training_file ?? "",
    estimatedFinish: status === "running" && typeof remaining === "number" ? new Date(Date.now() + remaining * 1000) : null,
    trainedTokens: status === "succeeded" && typeof job.token_count === "number" ? job.token_count : null,
    reportedPriceUsd: typeof job.total_price === "number" ? job.total_price / TOGETHER_PRICE_UNITS_PER_USD : null,
  };
}

const LEVELS: Record<string, string> = { warning: "warn", legacy_iwarning: "warn", error: "error", legacy_ierror: "error" };

export function toTogetherEvent(providerJobId: string, event: FinetuneEvent, index: number): ProviderEvent {
  return {
    // Together's events have no id; its list only grows, so the position is one.
    id: `${providerJobId}#e${index}`,
    createdAt: new Date(event.created_at),
    level: LEVELS[event.level ?? ""] ?? "info",
    message: event.message,
    metrics: null,
  };
}

/** One metrics snapshot ({"train/loss": …, "train/global_step": …}) as a step; null without a step. */
export function toTogetherMetrics(snapshot: Record<string, number>, totalSteps: number | null): ProviderMetrics | null {
  const step = snapshot["train/global_step"];
  if (typeof step !== "number" || !Number.isInteger(step)) return null;
  const value = (key: string) => (key in snapshot ? (typeof snapshot[key] === "number" ? snapshot[key] : Number.NaN) : null);
  return {
    step,
    totalSteps,
    trainLoss: value("train/loss"),
    trainMeanTokenAccuracy: null,
    validLoss: value("eval/loss"),
    validMeanTokenAccuracy: null,
    fullValidLoss: null,
    fullValidMeanTokenAccuracy: null,
  };
}

function toTogetherCheckpoint(providerJobId: string, c: FineTuningListCheckpointsResponse.Data): ProviderCheckpoint {
  return {
    // from_checkpoint's own form: {job id}:{step}.
    id: `${providerJobId}:${c.step}`,
    createdAt: new Date(c.created_at),
    model: c.path,
    step: c.step,
    metrics: {
      step: c.step,
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

/**
 * Evaluations on the validation file per epoch (Together's n_evals counts them
 * over the whole run and defaults to none): often enough that a sweep's
 * early milestones have a recent validation loss, few enough that evaluating
 * a tenth of the data costs well under an epoch of training.
 */
export const TOGETHER_EVALS_PER_EPOCH = 4;

function createParams(args: CreateProviderJobArgs): FineTuningCreateParams {
  const p = args.parameters ?? {};
  const int = (v: number | string | undefined) => (v === undefined || Number.isNaN(Number(v)) ? undefined : Number(v));
  const epochs = int(p.n_epochs) ?? 1; // Together's default
  return {
    model: args.model,
    training_file: args.fileId,
    ...(args.validationFileId ? { validation_file: args.validationFileId, n_evals: TOGETHER_EVALS_PER_EPOCH * epochs } : {}),
    ...(args.fromCheckpoint ? { from_checkpoint: args.fromCheckpoint } : {}),
    suffix: suffixFor(args.jobId),
    n_epochs: int(p.n_epochs),
    batch_size: int(p.batch_size),
    learning_rate: p.learning_rate,
    training_type: p.lora === false ? { type: "Full" } : { type: "Lora", lora_r: 8, lora_alpha: 16 },
  };
}

export function createTogetherProvider(options: TogetherProviderOptions): FinetuningProvider {
  // Retries are ours (withRetries), so the SDK never repeats a call by itself.
  const client = new Together({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: 0,
    fetch: options.fetch,
  });
  const retry = <T>(what: string, call: () => Promise<T>) =>
    observeProviderCall(what, () => withRetries(call, { deadlineMs: options.deadlineMs, what }));

  async function findJobFor(jobId: string): Promise<ProviderJob | null> {
    const list = await retry("look up provider job", () => client.fineTuning.list());
    const match = list.data.find((job) => job.suffix === suffixFor(jobId));
    return match ? toTogetherProviderJob(match) : null;
  }

  async function retrieve(providerJobId: string): Promise<ProviderJob> {
    return toTogetherProviderJob(await retry("retrieve provider job", () => client.fineTuning.retrieve(providerJobId)));
  }

  return {
    name: "together",
    account: accountOf("together", options.baseURL, options.apiKey),
    capabilities: PROVIDER_CAPABILITIES.together,

    uploadTrainingFile({ jobId, jsonl, role = "training" }) {
      return observeProviderCall("upload training file", async () => {
        // POST /files/upload (multipart), as Together's document has it; the SDK's
        // own upload helper reads a path from disk, so the body is built here.
        const name = fileNameFor(jobId, role);
        const form = new FormData();
        form.set("purpose", "fine-tune");
        form.set("file_name", name);
        form.set("file_type", "jsonl");
        form.set("file", new Blob([jsonl], { type: "application/jsonl" }), name);
        try {
          const file = await client.post<FileResponse>("/files/upload", { body: form });
          return { fileId: file.id };
        } catch (error) {
          throw asProviderError(error, "upload training file");
        }
      });
    },

    async fileState(fileId): Promise<FileState> {
      const file = await retry("retrieve training file", () => client.files.retrieve(fileId));
      return file.Processed ? { status: "processed" } : { status: "processing" };
    },

    async deleteFile(fileId) {
      try {
        await retry("delete training file", () => client.files.delete(fileId));
      } catch (error) {
        if (error instanceof ProviderNotFoundError) return; // already gone
        throw error;
      }
    },

    async createJob(args) {
      const existing = args.firstAttempt ? null : await findJobFor(args.jobId);
      if (existing) return existing;
      try {
        return toTogetherProviderJob(await client.fineTuning.create(createParams(args)));
      } catch (error) {
        // The job may exist even though we got no answer: look before anyone repeats.
        const created = await findJobFor(args.jobId).catch(() => null);
        if (created) return created;
        throw asProviderError(error, "create provider job");
      }
    },

    findJobFor,
    retrieveJob: retrieve,

    async cancelJob(providerJobId) {
      try {
        return toTogetherProviderJob(await retry("cancel provider job", () => client.fineTuning.cancel(providerJobId)));
      } catch (error) {
        // A job that already ended cannot be cancelled: report how it ended.
        if (error instanceof ProviderRejectedError) {
          const job = await retrieve(providerJobId);
          if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return job;
        }
        throw error;
      }
    },

    async deleteJob(providerJobId) {
      await retry("delete provider job", () => client.fineTuning.delete(providerJobId));
    },

    pauseJob() {
      return Promise.reject(new Error("Together AI cannot pause fine-tuning jobs (PROVIDER_CAPABILITIES.together)"));
    },

    resumeJob() {
      return Promise.reject(new Error("Together AI cannot resume fine-tuning jobs (PROVIDER_CAPABILITIES.together)"));
    },

    // Together lists every job in one answer.
    async *listJobs() {
      const list = await retry("list provider jobs", () => client.fineTuning.list());
      yield list.data.map(toTogetherProviderJob);
    },

    async listCheckpoints(providerJobId) {
      const list = await retry("list provider checkpoints", () => client.fineTuning.listCheckpoints(providerJobId));
      return list.data.map((c) => toTogetherCheckpoint(providerJobId, c)).sort((a, b) => a.step - b.step);
    },

    // Messages from the events list, steps from the metrics list: both only
    // grow, and each item has a stable id, so what was read before is
    // recognised (and stored once) however often it is read again.
    async listEvents(providerJobId) {
      const [events, metrics, job] = await Promise.all([
        retry("list provider events", () => client.fineTuning.listEvents(providerJobId)),
        retry("list provider metrics", () => client.fineTuning.listMetrics(providerJobId)),
        retry("retrieve provider job", () => client.fineTuning.retrieve(providerJobId)),
      ]);
      const totalSteps = events.data.findLast((e) => typeof e.total_steps === "number")?.total_steps ?? null;
      const messages = events.data.map((e, index) => toTogetherEvent(providerJobId, e, index));
      const at = new Date(job.updated_at ?? Date.now());
      const steps = (metrics.metrics ?? []).flatMap((snapshot): ProviderEvent[] => {
        const m = toTogetherMetrics(snapshot, totalSteps);
        return m ? [{ id: `${providerJobId}#s${m.step}`, createdAt: at, level: "info", message: `step ${m.step}`, metrics: m }] : [];
      });
      return [...steps, ...messages];
    },
  };
}

import type { ModelParameters } from "../finetuning/schema";

// What the services need from a fine-tuning provider. server/provider/openai.ts
// implements it with the `openai` SDK; nothing else talks to a provider.

// "pausing" and "paused" are what OpenAI's pause answers (its published enum omits them).
export const PROVIDER_JOB_STATUSES = [
  "validating_files",
  "queued",
  "running",
  "pausing",
  "paused",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type ProviderJobStatus = (typeof PROVIDER_JOB_STATUSES)[number];

/** Once a provider job is here, it never moves again. */
export function isProviderTerminal(status: ProviderJobStatus): status is "succeeded" | "failed" | "cancelled" {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

export type ProviderJob = {
  id: string;
  status: ProviderJobStatus;
  fineTunedModel: string | null;
  error: string | null;
  trainingFile: string;
  /** The provider's estimate while running; null otherwise (and while paused). */
  estimatedFinish: Date | null;
  /** Billable tokens, set when the job has finished training. */
  trainedTokens: number | null;
};

/**
 * One step's numbers. A field the provider did not send is null; one it sent
 * as something other than a number (JSON has no NaN: a diverged run reports
 * null or "NaN") is Number.NaN, so "not reported" and "not a number" differ.
 */
export type ProviderMetrics = {
  step: number;
  totalSteps: number | null;
  trainLoss: number | null;
  trainMeanTokenAccuracy: number | null;
  validLoss: number | null;
  validMeanTokenAccuracy: number | null;
  fullValidLoss: number | null;
  fullValidMeanTokenAccuracy: number | null;
};

export type ProviderEvent = {
  id: string;
  createdAt: Date;
  level: string;
  message: string;
  /** Set on metrics events (one per training step). */
  metrics: ProviderMetrics | null;
};

export type ProviderCheckpoint = {
  id: string;
  createdAt: Date;
  /** The usable model id, e.g. ft:gpt-4o-mini:org:suffix:abc123:ckpt-step-88. */
  model: string;
  step: number;
  metrics: ProviderMetrics;
};

export type CreateProviderJobArgs = {
  jobId: string;
  fileId: string;
  model: string;
  parameters: ModelParameters | null;
  suffix: string | null;
};

export type FileState = { status: "processing" } | { status: "processed" } | { status: "error"; message: string };

export type FinetuningProvider = {
  uploadTrainingFile(args: { jobId: string; jsonl: string }): Promise<{ fileId: string }>;
  fileState(fileId: string): Promise<FileState>;
  deleteFile(fileId: string): Promise<void>;
  /** Creates the provider job at most once per our job id (looked up by metadata after an unclear outcome). */
  createJob(args: CreateProviderJobArgs): Promise<ProviderJob>;
  findJobFor(jobId: string): Promise<ProviderJob | null>;
  retrieveJob(providerJobId: string): Promise<ProviderJob>;
  /** Cancels; when the job had already finished there, returns it with its terminal status. */
  cancelJob(providerJobId: string): Promise<ProviderJob>;
  /**
   * Pauses a running job: answers it as "pausing" or "paused" (pausing one
   * that is already is a no-op). ProviderRejectedError when it cannot be paused
   * (not running, or finished), ProviderNotFoundError when unknown.
   */
  pauseJob(providerJobId: string): Promise<ProviderJob>;
  /** Resumes a pausing or paused job ("running", or "queued" at OpenAI's choice); ProviderRejectedError when it is not paused. */
  resumeJob(providerJobId: string): Promise<ProviderJob>;
  /** Every checkpoint so far (OpenAI makes one per epoch), oldest first. */
  listCheckpoints(providerJobId: string): Promise<ProviderCheckpoint[]>;
  /**
   * The job's events, oldest first. Without `afterEventId`: the latest 100.
   * With it: every event newer than that one (all pages), for incremental
   * ingestion of per-step metrics; when that event is no longer listed, all
   * events the provider still lists.
   */
  listEvents(providerJobId: string, options?: { afterEventId?: string | null }): Promise<ProviderEvent[]>;
};

/** The provider could not be reached (or kept failing) within the call's deadline. */
export class ProviderUnavailableError extends Error {
  override readonly name = "ProviderUnavailableError";
}

/** The provider does not know this job or file (deleted there, or never existed). */
export class ProviderNotFoundError extends Error {
  override readonly name = "ProviderNotFoundError";
}

/** The provider answered, but refused the request for a reason that retrying will not fix. */
export class ProviderRejectedError extends Error {
  override readonly name = "ProviderRejectedError";
}

import type { ModelParameters } from "../finetuning/schema";

// What the services need from a fine-tuning provider. server/provider/openai.ts
// implements it with the `openai` SDK; nothing else talks to a provider.

export const PROVIDER_JOB_STATUSES = ["validating_files", "queued", "running", "succeeded", "failed", "cancelled"] as const;
export type ProviderJobStatus = (typeof PROVIDER_JOB_STATUSES)[number];

export type ProviderJob = {
  id: string;
  status: ProviderJobStatus;
  fineTunedModel: string | null;
  error: string | null;
  trainingFile: string;
};

export type ProviderEvent = { id: string; createdAt: Date; level: string; message: string };

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
  listEvents(providerJobId: string): Promise<ProviderEvent[]>;
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

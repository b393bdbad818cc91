import { createHash } from "node:crypto";
import type { ModelParameters } from "../finetuning/schema";
import type { ProviderCapabilities, ProviderName } from "./capabilities";
import type { ProviderJobStatus } from "./statuses";

// What the services need from a fine-tuning provider. server/provider/openai.ts
// implements it with the `openai` SDK and server/provider/together.ts with
// `together-ai`; nothing else talks to a provider.

export type { ProviderJobStatus } from "./statuses";

/** Once a provider job is here, it never moves again. */
export function isProviderTerminal(status: ProviderJobStatus): status is "succeeded" | "failed" | "cancelled" {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

export type ProviderJob = {
  id: string;
  /** Ours, through the status table (server/provider/statuses.ts). */
  status: ProviderJobStatus;
  /** The provider's own word for it, e.g. Together's "cancel_requested". */
  providerStatus: string;
  fineTunedModel: string | null;
  error: string | null;
  trainingFile: string;
  /** The provider's estimate while running; null otherwise (and while paused). */
  estimatedFinish: Date | null;
  /** Billable tokens, set when the job has finished training. */
  trainedTokens: number | null;
  /** The price the provider reports for the job so far, in USD; null where it reports none (OpenAI). */
  reportedPriceUsd: number | null;
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
  /** The held-out examples the provider reports validation loss on; none without one. */
  validationFileId?: string | null;
  model: string;
  parameters: ModelParameters | null;
  suffix: string | null;
  /** The provider's own checkpoint reference to train on from (Together's from_checkpoint); none: from `model`. */
  fromCheckpoint?: string | null;
  /**
   * No earlier ask to create this job was ever made: the look-up for a job
   * an earlier ask may have created is skipped (one request fewer a job).
   * Without it, the provider is asked first whether the job exists.
   */
  firstAttempt?: boolean;
};

/** The `account` of a provider client: a digest, so the key itself is never stored. */
export function accountOf(name: ProviderName, baseURL: string | undefined, apiKey: string): string {
  return `${name}:${createHash("sha256")
    .update(`${baseURL ?? ""}\n${apiKey}`)
    .digest("hex")
    .slice(0, 16)}`;
}

/** What an uploaded file is for: the examples trained on, or those held out to validate on. */
export type FileRole = "training" | "validation";

/** The name a job's file goes by at the provider: our job id in it, so a file left behind can be traced to its job. */
export function fileNameFor(jobId: string, role: FileRole = "training"): string {
  return role === "training" ? `controlroom-${jobId}.jsonl` : `controlroom-${jobId}-${role}.jsonl`;
}

export type FileState = { status: "processing" } | { status: "processed" } | { status: "error"; message: string };

export type FinetuningProvider = {
  readonly name: ProviderName;
  /**
   * Which account at the provider this client acts for (a digest of its base
   * URL and key): what is uploaded under one account is not there under
   * another, so files are shared only within one (server/worker/shared-files.ts).
   */
  readonly account: string;
  readonly capabilities: ProviderCapabilities;
  /** Uploads a fine-tuning file (`role` names it; training by default). */
  uploadTrainingFile(args: { jobId: string; jsonl: string; role?: FileRole }): Promise<{ fileId: string }>;
  fileState(fileId: string): Promise<FileState>;
  deleteFile(fileId: string): Promise<void>;
  /** Creates the provider job at most once per our job id (looked up by metadata after an unclear outcome). */
  createJob(args: CreateProviderJobArgs): Promise<ProviderJob>;
  findJobFor(jobId: string): Promise<ProviderJob | null>;
  retrieveJob(providerJobId: string): Promise<ProviderJob>;
  /**
   * Cancels; when the job had already finished there, returns it with its
   * terminal status. A provider that cancels asynchronously answers the job
   * as "cancelling" until it confirms.
   */
  cancelJob(providerJobId: string): Promise<ProviderJob>;
  /**
   * Pauses a running job: answers it as "pausing" or "paused" (pausing one
   * that is already is a no-op). ProviderRejectedError when it cannot be paused
   * (not running, or finished), ProviderNotFoundError when unknown.
   */
  pauseJob(providerJobId: string): Promise<ProviderJob>;
  /** Deletes the provider job's record, where the provider has one to delete (after it ended). */
  deleteJob?(providerJobId: string): Promise<void>;
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
  /**
   * Every job of the account, a page at a time, newest first: one request
   * reads the status of many jobs (server/worker/fleet-read.ts). The caller
   * stops iterating once it has seen the jobs it is looking for.
   */
  listJobs(): AsyncIterable<ProviderJob[]>;
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

/** The providers this process talks to, by name; one that is not configured is absent. */
export type Providers = { readonly [K in ProviderName]?: FinetuningProvider };
/** What services take: the process's providers, or one provider alone (tests that use a single one). */
export type ProviderSource = FinetuningProvider | Providers;

/** Every provider in `source`. */
export function providersIn(source: ProviderSource): FinetuningProvider[] {
  if ("createJob" in source) return [source];
  return Object.values(source).filter((p): p is FinetuningProvider => p !== undefined);
}

/** The provider a job of `name` is at; a 409 naming it when this process has none configured. */
export function providerFor(source: ProviderSource, name: string): FinetuningProvider {
  const found = "createJob" in source ? (source.name === name ? source : undefined) : source[name as ProviderName];
  if (!found) throw new ProviderNotConfiguredError(`No ${name} provider is configured in this process.`);
  return found;
}

/** A job names a provider this process was not set up to reach. */
export class ProviderNotConfiguredError extends Error {
  override readonly name = "ProviderNotConfiguredError";
}

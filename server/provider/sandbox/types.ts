// Public types of the OpenAI fine-tuning sandbox. Wire shapes are pinned to the
// installed `openai` SDK's own types so a drift in the SDK breaks the build here.
import type { FileObject } from "openai/resources/files";
import type { FineTuningJob, FineTuningJobEvent } from "openai/resources/fine-tuning/jobs/jobs";

export type SandboxTimings = {
  fileProcessingMs: number;
  validatingMs: number;
  queuedMs: number;
  /** Infinity = a running job never finishes on its own (complete/fail/cancel it). */
  runningMs: number;
};

export type SandboxOptions = {
  host?: string;
  /** 0 = random free port. */
  port?: number;
  timings?: Partial<SandboxTimings>;
};

export const DEFAULT_TIMINGS: SandboxTimings = {
  fileProcessingMs: 200,
  validatingMs: 300,
  queuedMs: 300,
  runningMs: 300,
};

export type Fault =
  | { kind: "status"; status: number; message?: string }
  | { kind: "rate_limit"; retryAfterSeconds: number }
  | { kind: "slow"; delayMs: number }
  | { kind: "drop" }
  | { kind: "drop_after_effect" };

export type FaultRule = {
  /** "METHOD /path"; `*` matches one path segment (or any method), `**` any rest. */
  route: string;
  fault: Fault;
  /** How many of the next matching requests get the fault; default 1. */
  times?: number;
};

/** The file object exactly as the API serves it (OpenAI sends status_details: null). */
export type FileJson = Omit<FileObject, "status_details"> & { status_details: string | null };

/** The job object exactly as the API serves it (plus OpenAI's undocumented suffix echo). */
export type JobJson = FineTuningJob & { user_provided_suffix: string | null };

export type EventJson = FineTuningJobEvent;

/** Sandbox view of a file: the API shape plus whether it was deleted. */
export type SandboxFile = FileJson & { deleted: boolean };

/** Sandbox view of a job: the API shape (status included). */
export type SandboxJob = JobJson;

export type SandboxStats = {
  total: number;
  /** Requests per route, e.g. "GET /v1/fine_tuning/jobs/{id}". */
  byRoute: Record<string, number>;
  /** Faults injected per route. */
  faults: Record<string, number>;
};

export type Sandbox = {
  /** Base URL for the openai SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** e.g. http://127.0.0.1:PORT (control API lives under /_sandbox/) */
  origin: string;
  port: number;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Rules not yet used up, with how many uses remain. */
  pendingFaults(): Array<{ route: string; fault: Fault; remaining: number }>;
  jobs(): SandboxJob[];
  files(): SandboxFile[];
  stats(): SandboxStats;
  /** Force a validating/queued/running job to succeed now. */
  completeJob(id: string): SandboxJob;
  /** Force a validating/queued/running job to fail now (error.code defaults to "server_error"). */
  failJob(id: string, message?: string, code?: string): SandboxJob;
  timings(): SandboxTimings;
  setTimings(partial: Partial<SandboxTimings>): SandboxTimings;
  /** Forget all files, jobs, faults and stats; restore the start-up timings. */
  reset(): void;
  close(): Promise<void>;
};

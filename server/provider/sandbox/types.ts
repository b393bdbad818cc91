// Public types of the OpenAI fine-tuning sandbox. Wire shapes are pinned to the
// installed `openai` SDK's own types so a drift in the SDK breaks the build here.
import type { FileObject } from "openai/resources/files";
import type { FineTuningJob, FineTuningJobEvent } from "openai/resources/fine-tuning/jobs/jobs";
import type { FineTuningJobCheckpoint } from "openai/resources/fine-tuning/jobs/checkpoints";

export type SandboxTimings = {
  fileProcessingMs: number;
  validatingMs: number;
  queuedMs: number;
  /** Infinity = a running job never finishes on its own (complete/fail/cancel it). */
  runningMs: number;
  /**
   * Together's asynchronous cancel: how long a job stays cancel_requested
   * (training, and billing, on) before it is cancelled. Infinity = the cancel
   * is never confirmed. The OpenAI front cancels at once and ignores it.
   */
  cancelConfirmMs?: number;
};

export type SandboxOptions = {
  host?: string;
  /** 0 = random free port. */
  port?: number;
  /**
   * Start-up timings. With a database they are written to the shared state
   * (every front then follows them); without, the stored ones are kept.
   */
  timings?: Partial<SandboxTimings>;
  /** Keep the state in this Postgres (shared by every front on it); without: in this process's memory. */
  databaseUrl?: string;
  /** Postgres schema for the state; default "sandbox". */
  schema?: string;
  /** Bearer token the control API (/_sandbox/*) demands; default: a random one per start. */
  controlToken?: string;
  /** The API key the provider API demands; default: a random one per start. */
  apiKey?: string;
  /** Which provider's API it answers (its paths and shapes); default "openai". */
  flavor?: SandboxFlavor;
};

export type SandboxFlavor = "openai" | "together";

export const DEFAULT_TIMINGS: SandboxTimings = {
  fileProcessingMs: 200,
  validatingMs: 300,
  queuedMs: 300,
  runningMs: 300,
  cancelConfirmMs: 0,
};

/**
 * How a running job's training loss behaves from the moment it is set:
 * falling (normal), diverging (rising), nan (every later step is NaN),
 * flat (stalled: no new steps, the job does not progress or finish).
 */
export const LOSS_SHAPES = ["normal", "diverging", "nan", "flat"] as const;
export type LossShape = (typeof LOSS_SHAPES)[number];

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

/** Statuses the live API sends besides the documented ones (pause/resume). */
export type JobStatusJson = FineTuningJob["status"] | "pausing" | "paused";

/** The job object exactly as the API serves it (plus OpenAI's undocumented suffix echo and pause statuses). */
export type JobJson = Omit<FineTuningJob, "status"> & { status: JobStatusJson; user_provided_suffix: string | null };

export type CheckpointJson = FineTuningJobCheckpoint;

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

/** Every call that reads or moves shared state is async: with a database, the state lives there. */
export type Sandbox = {
  /** Base URL for the openai SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** e.g. http://127.0.0.1:PORT (control API lives under /_sandbox/) */
  origin: string;
  port: number;
  /** Bearer token for /_sandbox/* (send as `Authorization: Bearer …`). */
  controlToken: string;
  /** The API key its provider API takes (the SDK's apiKey); nothing else is let in. */
  apiKey: string;
  /** Which provider's API it answers. */
  flavor: SandboxFlavor;
  /** Whether the state lives in Postgres (shared, survives restarts). */
  durable: boolean;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Rules not yet used up, with how many uses remain. */
  pendingFaults(): Array<{ route: string; fault: Fault; remaining: number }>;
  /** Every job, oldest first, brought up to now. */
  jobs(): Promise<SandboxJob[]>;
  files(): Promise<SandboxFile[]>;
  /** This front's request counts (each front counts its own). */
  stats(): SandboxStats;
  /** Force a non-terminal job to succeed now. */
  completeJob(id: string): Promise<SandboxJob>;
  /** Force a non-terminal job to fail now (error.code defaults to "server_error"). */
  failJob(id: string, message?: string, code?: string): Promise<SandboxJob>;
  /** Change how a job's loss behaves from its current step on (fault injection for metrics). */
  setLossShape(id: string, shape: LossShape): Promise<SandboxJob>;
  timings(): Promise<SandboxTimings>;
  setTimings(partial: Partial<SandboxTimings>): Promise<SandboxTimings>;
  /** Forget all files, jobs, faults and stats; restore the start-up timings. */
  reset(): Promise<void>;
  /** Stops this front (the shared state stays in the database). */
  close(): Promise<void>;
};

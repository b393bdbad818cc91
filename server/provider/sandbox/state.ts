// In-memory state of one sandbox instance plus its timers. Every timer is
// unref'd so a forgotten sandbox never keeps a test process alive.
import type { EventJson, JobJson, SandboxTimings } from "./types";
import type { JobSpec } from "./job-params";

export type FileStatus = "uploaded" | "processed" | "error";

export type FileRecord = {
  id: string;
  seq: number;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  createdMs: number;
  content: Buffer;
  status: FileStatus;
  statusDetails: string | null;
  /** Outcome of validation, revealed when processing "finishes". */
  verdict: { ok: true; examples: number; tokens: number } | { ok: false; message: string };
  deleted: boolean;
};

export type JobStatus = JobJson["status"];
export type HpValue = number | "auto";
export type Hyperparameters = { n_epochs: HpValue; batch_size: HpValue; learning_rate_multiplier: HpValue };

/** A job as the sandbox keeps it: what was asked for (JobSpec) and where it is. */
export type JobRecord = JobSpec & {
  id: string;
  seq: number;
  /** From the training file, for steps and trained_tokens. */
  examples: number;
  tokens: number;
  createdAt: number;
  status: JobStatus;
  /** When the current status was entered (ms), to (re)compute stage deadlines. */
  stageStartedMs: number;
  finishedAt: number | null;
  estimatedFinish: number | null;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  events: EventJson[];
};

export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** setTimeout fires at once for Infinity and for anything above 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SandboxState {
  readonly files = new Map<string, FileRecord>();
  readonly jobs = new Map<string, JobRecord>();
  timings: SandboxTimings;
  private seq = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly initialTimings: SandboxTimings) {
    this.timings = { ...initialTimings };
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Runs `fn` after `delayMs` (replacing any timer under `key`); never for "forever". */
  schedule(key: string, delayMs: number, fn: () => void): void {
    this.unschedule(key);
    if (!(delayMs < MAX_TIMER_MS)) return; // Infinity/NaN/huge: no timer at all
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(key, timer);
  }

  unschedule(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.files.clear();
    this.jobs.clear();
    this.timings = { ...this.initialTimings };
  }
}

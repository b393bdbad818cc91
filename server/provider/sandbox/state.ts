// What the sandbox keeps, and the store it keeps it in. Nothing here runs on a
// timer: a job's state is a function of its record and the clock, brought up
// to date whenever someone looks (see lifecycle.ts). That is what lets a
// restarted sandbox, or several fronts on one database, carry a job on.
import type { JobSpec } from "./job-params";
import type { CheckpointJson, EventJson, JobStatusJson, LossShape, SandboxTimings } from "./types";

export type FileRecord = {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  /** Upload time on the sandbox clock, to time processing. */
  createdMs: number;
  /** Outcome of validation, revealed when processing "finishes". */
  verdict: { ok: true; examples: number; tokens: number } | { ok: false; message: string };
  deleted: boolean;
};

/** cancel_requested: Together's accepted-but-unconfirmed cancel (the OpenAI front never enters it). */
export type JobStatus = JobStatusJson | "cancel_requested";

/** What a job record holds before it has trained at all: no run time, no steps, no outcome. */
export const NOT_STARTED = {
  runMs: 0,
  lossShape: "normal",
  shapeFromStep: 0,
  finishedAt: null,
  fineTunedModel: null,
  trainedTokens: null,
  error: null,
} as const satisfies Partial<JobRecord>;

/** A job as the sandbox keeps it: what was asked for (JobSpec) and where it is. */
export type JobRecord = JobSpec & {
  id: string;
  /** From the training file, for steps and trained_tokens. */
  examples: number;
  tokens: number;
  createdAt: number;
  status: JobStatus;
  /** When the current stage (or running stretch) began, on the sandbox clock. */
  stageStartedMs: number;
  /** Training time already done before the current running stretch (pauses and stalls stop it). */
  runMs: number;
  /** The last step whose metrics were reported. */
  step: number;
  lossShape: LossShape;
  /** The step from which lossShape applies (before it the loss fell normally). */
  shapeFromStep: number;
  /** Set when the job's model is a checkpoint of a sandbox job: that job's loss at the checkpoint's step (records older than this field lack it). */
  continuedFrom?: { jobId: string; step: number; loss: number } | null;
  finishedAt: number | null;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  /** While cancel_requested: when the cancel was asked for, and whether the job trains on meanwhile. */
  cancelRequestedMs?: number | null;
  cancelTrains?: boolean;
  /** Deleted through Together's DELETE /fine-tunes/{id}: then unknown to its API. */
  deleted?: boolean;
  /** Together's own settings of the job (the Together front only). */
  together?: {
    learningRate: number;
    lora: boolean;
    /** Evaluations on the validation file over the whole run, evenly spaced (0: none, Together's default). */
    nEvals?: number;
    /** The from_checkpoint it was created with, as asked. */
    fromCheckpoint?: string | null;
  };
};

export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

export type Versioned<T> = { value: T; version: number };

/** The sandbox clock: wall time minus the time no sandbox front was up. */
export type Clock = { nowMs: number; offsetMs: number };

export type SharedConfig = { timings: SandboxTimings; offsetMs: number };

/** A window of a newest-first job list: the jobs after `after` (from the start when null), at most `limit`. */
export type JobPage = { after: string | null; limit: number };

/** The items after the one whose id is `after` (all of them when null; none when no item has that id), as a list cursor reads. */
export function itemsAfter<T>(items: readonly T[], after: string | null, idOf: (item: T) => string): readonly T[] {
  if (after === null) return items;
  const index = items.findIndex((item) => idOf(item) === after);
  return index === -1 ? [] : items.slice(index + 1);
}

/** Where the state lives: this process's memory, or Postgres (store-pg.ts). */
export type SandboxStore = {
  config(): Promise<SharedConfig>;
  setTimings(timings: SandboxTimings): Promise<void>;
  insertFile(file: FileRecord, content: Buffer): Promise<void>;
  getFile(id: string): Promise<FileRecord | null>;
  fileContent(id: string): Promise<Buffer | null>;
  /** Oldest first. */
  listFiles(): Promise<FileRecord[]>;
  markFileDeleted(id: string): Promise<void>;
  insertJob(job: JobRecord, events: EventJson[]): Promise<void>;
  getJob(id: string): Promise<Versioned<JobRecord> | null>;
  /**
   * Newest first; `metadata` pairs must all match. With `page`, only the jobs
   * after the one named `after` (none when it is unknown), at most `limit`.
   */
  listJobs(metadata: Array<[string, string]>, page?: JobPage): Promise<Array<Versioned<JobRecord>>>;
  /** Compare-and-set on the version: false (and nothing written) when someone else moved the job first. */
  saveJob(job: JobRecord, version: number, events: EventJson[], checkpoints: CheckpointJson[]): Promise<boolean>;
  /** Oldest first. */
  listEvents(jobId: string): Promise<EventJson[]>;
  /** Oldest first. */
  listCheckpoints(jobId: string): Promise<CheckpointJson[]>;
  clear(timings: SandboxTimings): Promise<void>;
  close(): Promise<void>;
};

/** A store in this process's memory: fast, for tests; gone with the process. */
export function memoryStore(initialTimings: SandboxTimings): SandboxStore {
  let timings = { ...initialTimings };
  const files = new Map<string, { file: FileRecord; content: Buffer }>();
  const jobs = new Map<string, Versioned<JobRecord>>();
  const events = new Map<string, EventJson[]>();
  const checkpoints = new Map<string, CheckpointJson[]>();
  // Stored values are copies, as a database would hand out.
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    config: () => Promise.resolve({ timings: { ...timings }, offsetMs: 0 }),
    setTimings: (next) => {
      timings = { ...next };
      return Promise.resolve();
    },
    insertFile: (file, content) => {
      files.set(file.id, { file: copy(file), content });
      return Promise.resolve();
    },
    getFile: (id) => Promise.resolve(files.has(id) ? copy(files.get(id)!.file) : null),
    fileContent: (id) => Promise.resolve(files.get(id)?.content ?? null),
    listFiles: () => Promise.resolve([...files.values()].map((f) => copy(f.file))),
    markFileDeleted: (id) => {
      const entry = files.get(id);
      if (entry) entry.file.deleted = true;
      return Promise.resolve();
    },
    insertJob: (job, initial) => {
      jobs.set(job.id, { value: copy(job), version: 0 });
      events.set(job.id, copy(initial));
      checkpoints.set(job.id, []);
      return Promise.resolve();
    },
    getJob: (id) => Promise.resolve(jobs.has(id) ? copy(jobs.get(id)!) : null),
    listJobs: (metadata, page) => {
      const matching = [...jobs.values()].filter((j) => metadata.every(([key, value]) => j.value.metadata?.[key] === value)).reverse();
      const after = itemsAfter(matching, page?.after ?? null, (j) => j.value.id);
      return Promise.resolve(after.slice(0, page?.limit ?? after.length).map(copy));
    },
    saveJob: (job, version, newEvents, newCheckpoints) => {
      const current = jobs.get(job.id);
      if (!current || current.version !== version) return Promise.resolve(false);
      jobs.set(job.id, { value: copy(job), version: version + 1 });
      events.get(job.id)?.push(...copy(newEvents));
      checkpoints.get(job.id)?.push(...copy(newCheckpoints));
      return Promise.resolve(true);
    },
    listEvents: (id) => Promise.resolve(copy(events.get(id) ?? [])),
    listCheckpoints: (id) => Promise.resolve(copy(checkpoints.get(id) ?? [])),
    clear: (restored) => {
      files.clear();
      jobs.clear();
      events.clear();
      checkpoints.clear();
      timings = { ...restored };
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

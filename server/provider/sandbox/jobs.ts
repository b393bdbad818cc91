// Fine-tuning jobs: creation checks, the timed lifecycle
// validating_files → queued → running → succeeded, cancel, forced outcomes.
// Every move is compare-and-set on the status, so nothing moves after a terminal one.
import { usableTrainingFile } from "./files";
import { ApiError, newId, nowSeconds } from "./http";
import type { JobSpec } from "./job-params";
import { TERMINAL, type JobRecord, type JobStatus, type SandboxState } from "./state";
import type { EventJson, JobJson, SandboxTimings } from "./types";

/** What "auto" resolves to once a job starts running. */
const AUTO = { n_epochs: 3, batch_size: 1, learning_rate_multiplier: 2 } as const;

const NEXT: Partial<Record<JobStatus, keyof SandboxTimings>> = {
  validating_files: "validatingMs",
  queued: "queuedMs",
  running: "runningMs",
};

export function jobJson(job: JobRecord): JobJson {
  const hyperparameters = { ...job.hyperparameters };
  return {
    id: job.id,
    object: "fine_tuning.job",
    model: job.model,
    created_at: job.createdAt,
    finished_at: job.finishedAt,
    fine_tuned_model: job.fineTunedModel,
    organization_id: "org-sandbox",
    result_files: [],
    status: job.status,
    validation_file: job.validationFile,
    training_file: job.trainingFile,
    hyperparameters,
    trained_tokens: job.trainedTokens,
    error: job.error ? { ...job.error } : null,
    seed: job.seed,
    estimated_finish: job.estimatedFinish,
    integrations: null,
    metadata: job.metadata ? { ...job.metadata } : null,
    method: { type: "supervised", supervised: { hyperparameters: { ...hyperparameters } } },
    user_provided_suffix: job.suffix,
  };
}

function addEvent(job: JobRecord, message: string, level: EventJson["level"] = "info", data: unknown = {}): void {
  const type = typeof data === "object" && data !== null && "step" in data ? "metrics" : "message";
  job.events.push({ id: newId("ftevent"), object: "fine_tuning.job.event", created_at: nowSeconds(), level, message, type, data });
}

function totalSteps(job: JobRecord): number {
  const epochs = typeof job.hyperparameters.n_epochs === "number" ? job.hyperparameters.n_epochs : AUTO.n_epochs;
  const batch = typeof job.hyperparameters.batch_size === "number" ? job.hyperparameters.batch_size : AUTO.batch_size;
  return Math.max(1, Math.ceil(job.examples / batch) * epochs);
}

function stepEvent(job: JobRecord, step: number): void {
  const total = totalSteps(job);
  const loss = Number((2.5 * Math.exp((-3 * step) / total)).toFixed(4));
  addEvent(job, `Step ${step}/${total}: training loss=${loss}`, "info", { step, total_steps: total, train_loss: loss });
}

/** (Re)arms the job's stage timer from when the stage began and the current timings. */
export function scheduleJob(state: SandboxState, job: JobRecord): void {
  const timing = NEXT[job.status];
  if (!timing) return state.unschedule(`job:${job.id}`);
  const duration = state.timings[timing];
  const from = job.status;
  if (from === "running") {
    job.estimatedFinish = Number.isFinite(duration) ? Math.ceil((job.stageStartedMs + duration) / 1000) : null;
  }
  state.schedule(`job:${job.id}`, job.stageStartedMs + duration - Date.now(), () => {
    if (job.status === from) advance(state, job);
  });
}

function enter(state: SandboxState, job: JobRecord, status: JobStatus): void {
  job.status = status;
  job.stageStartedMs = Date.now();
  if (TERMINAL.has(status)) {
    job.finishedAt = nowSeconds();
    job.estimatedFinish = null;
  }
  scheduleJob(state, job);
}

function startRunning(state: SandboxState, job: JobRecord): void {
  const hp = job.hyperparameters;
  job.hyperparameters = {
    n_epochs: hp.n_epochs === "auto" ? AUTO.n_epochs : hp.n_epochs,
    batch_size: hp.batch_size === "auto" ? AUTO.batch_size : hp.batch_size,
    learning_rate_multiplier: hp.learning_rate_multiplier === "auto" ? AUTO.learning_rate_multiplier : hp.learning_rate_multiplier,
  };
  addEvent(job, "Fine-tuning job started");
  enter(state, job, "running");
  stepEvent(job, 1);
}

function succeed(state: SandboxState, job: JobRecord): void {
  const total = totalSteps(job);
  if (total > 1) stepEvent(job, total);
  const epochs = typeof job.hyperparameters.n_epochs === "number" ? job.hyperparameters.n_epochs : AUTO.n_epochs;
  job.trainedTokens = job.tokens * epochs;
  job.fineTunedModel = `ft:${job.model}:sandbox:${job.suffix ?? "custom"}:${job.id.slice("ftjob-".length, "ftjob-".length + 8)}`;
  addEvent(job, `New fine-tuned model created: ${job.fineTunedModel}`);
  addEvent(job, "The job has successfully completed");
  enter(state, job, "succeeded");
}

function fail(state: SandboxState, job: JobRecord, message: string, code: string, param: string | null = null): void {
  job.error = { code, message, param };
  addEvent(job, message, "error");
  enter(state, job, "failed");
}

/** One timed step forward; callers have already checked the status is unchanged. */
function advance(state: SandboxState, job: JobRecord): void {
  if (job.status === "validating_files") {
    const file = state.files.get(job.trainingFile);
    if (!file || file.deleted) {
      return fail(state, job, `The training file ${job.trainingFile} was deleted before validation finished.`, "invalid_training_file", "training_file");
    }
    addEvent(job, "Files validated, moving job to queued state");
    return enter(state, job, "queued");
  }
  if (job.status === "queued") return startRunning(state, job);
  if (job.status === "running") return succeed(state, job);
}

export function createJob(state: SandboxState, spec: JobSpec): JobRecord {
  const { examples, tokens } = usableTrainingFile(state, spec.trainingFile, "training_file");
  if (spec.validationFile !== null) usableTrainingFile(state, spec.validationFile, "validation_file");
  const job: JobRecord = {
    ...spec,
    id: newId("ftjob"),
    seq: state.nextSeq(),
    examples,
    tokens,
    createdAt: nowSeconds(),
    status: "validating_files",
    stageStartedMs: Date.now(),
    finishedAt: null,
    estimatedFinish: null,
    fineTunedModel: null,
    trainedTokens: null,
    error: null,
    events: [],
  };
  state.jobs.set(job.id, job);
  addEvent(job, `Created fine-tuning job: ${job.id}`);
  addEvent(job, `Validating training file: ${job.trainingFile}`);
  scheduleJob(state, job);
  return job;
}

export function getJob(state: SandboxState, id: string): JobRecord {
  const job = state.jobs.get(id);
  if (!job) {
    throw new ApiError(404, `Could not find fine-tuning job: ${id}`, "invalid_request_error", "fine_tuning_job_id", "fine_tuning_job_not_found");
  }
  return job;
}

const FINISHED: Partial<Record<JobStatus, string>> = {
  succeeded: "Job has already completed",
  failed: "Job has already failed",
  cancelled: "Job has already been cancelled",
};

export function cancelJob(state: SandboxState, id: string): JobRecord {
  const job = getJob(state, id);
  const finished = FINISHED[job.status];
  if (finished) throw new ApiError(400, `${finished}: ${id}`, "invalid_request_error", null, "job_not_cancellable");
  addEvent(job, "Fine-tuning job cancelled");
  enter(state, job, "cancelled");
  return job;
}

function forceable(state: SandboxState, id: string): JobRecord {
  const job = getJob(state, id);
  if (TERMINAL.has(job.status)) throw new ApiError(409, `Job ${id} is already ${job.status}`, "invalid_request_error", null, "job_finished");
  return job;
}

/** Test hook: succeed now, from any non-terminal status. */
export function completeJob(state: SandboxState, id: string): JobRecord {
  const job = forceable(state, id);
  if (job.status !== "running") startRunning(state, job);
  succeed(state, job);
  return job;
}

/** Test hook: fail now with the given message. */
export function failJob(state: SandboxState, id: string, message = "Fine-tuning failed (forced by the sandbox).", code = "server_error"): JobRecord {
  const job = forceable(state, id);
  fail(state, job, message, code);
  return job;
}

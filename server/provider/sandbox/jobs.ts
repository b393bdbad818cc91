// Fine-tuning jobs over the store: create, read (brought up to date), cancel,
// pause, resume, and the forced outcomes. Every write is a compare-and-set on
// the job's version, retried on a lost race, so several fronts on one
// database never move a job twice.
import { usableTrainingFile } from "./files";
import { ApiError, newId, nowSeconds } from "./http";
import { trainingTokens } from "./tokens";
import type { JobSpec } from "./job-params";
import * as life from "./lifecycle";
import { NOT_STARTED, TERMINAL, type JobPage, type JobRecord, type Versioned } from "./state";
import type { EventJson, JobJson, LossShape } from "./types";
import { view, type Core, type View } from "./view";

export function jobJson(job: JobRecord, at: View): JobJson {
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
    // Only the Together front requests a cancel; an OpenAI job never is cancel_requested.
    status: job.status === "cancel_requested" ? "cancelled" : job.status,
    validation_file: job.validationFile,
    training_file: job.trainingFile,
    hyperparameters,
    trained_tokens: job.trainedTokens,
    error: job.error ? { ...job.error } : null,
    seed: job.seed,
    estimated_finish: life.estimatedFinish(job, at.clock, at.timings),
    integrations: null,
    metadata: job.metadata ? { ...job.metadata } : null,
    method: { type: "supervised", supervised: { hyperparameters: { ...hyperparameters } } },
    user_provided_suffix: job.suffix,
  };
}

function notFound(id: string): ApiError {
  return new ApiError(
    404,
    `Could not find fine-tuning job: ${id}`,
    "invalid_request_error",
    "fine_tuning_job_id",
    "fine_tuning_job_not_found",
  );
}

async function fileUsable(core: Core, id: string): Promise<boolean> {
  const file = await core.store.getFile(id);
  return file !== null && !file.deleted;
}

export type Change = (job: JobRecord, at: View, out: life.Happened) => void;

/** A job as a list read it, and the sandbox's view at that read: `update` starts from it instead of reading again. */
export type Loaded = { stored: Versioned<JobRecord>; at: View };

/**
 * Reads the job (or starts from `loaded`), brings it up to now, applies
 * `change` (which may throw an ApiError), and saves it if anything moved; on a
 * lost race, reads it again and starts over.
 */
export async function update(core: Core, id: string, change?: Change, loaded?: Loaded): Promise<{ job: JobRecord; at: View }> {
  for (let attempt = 0; ; attempt += 1) {
    const stored = attempt === 0 && loaded ? loaded.stored : await core.store.getJob(id);
    if (!stored) throw notFound(id);
    const at = attempt === 0 && loaded ? loaded.at : await view(core);
    const job = stored.value;
    if (TERMINAL.has(job.status) && !change) return { job, at };
    const before = JSON.stringify(job);
    const usable = job.status === "validating_files" ? await fileUsable(core, job.trainingFile) : true;
    const out = life.catchUp(job, at.clock, at.timings, usable);
    change?.(job, at, out);
    if (JSON.stringify(job) === before && out.events.length === 0) return { job, at };
    if (await core.store.saveJob(job, stored.version, out.events, out.checkpoints)) return { job, at };
    if (attempt > 50) throw new ApiError(503, "The sandbox is busy; retry.", "server_error");
  }
}

/** A job whose model is a sandbox checkpoint starts from that job's loss at the checkpoint's step. */
async function continuedFrom(core: Core, model: string): Promise<JobRecord["continuedFrom"]> {
  const checkpoint = life.checkpointOf(model);
  if (!checkpoint) return null;
  const parent = (await core.store.listJobs([])).find((j) => life.modelName(j.value) === checkpoint.parentModel)?.value;
  if (!parent) return null;
  return { jobId: parent.id, step: checkpoint.step, loss: life.lossAt(parent, checkpoint.step) };
}

export async function createJob(core: Core, spec: JobSpec): Promise<JobJson> {
  const { examples } = await usableTrainingFile(core, spec.trainingFile, "training_file");
  if (spec.validationFile !== null) await usableTrainingFile(core, spec.validationFile, "validation_file");
  const content = (await core.store.fileContent(spec.trainingFile)) ?? Buffer.alloc(0);
  const tokens = await trainingTokens(content.toString("utf8"), spec.model);
  const at = await view(core);
  const job: JobRecord = {
    ...spec,
    continuedFrom: await continuedFrom(core, spec.model),
    id: newId("ftjob"),
    examples,
    tokens,
    createdAt: nowSeconds(),
    status: "validating_files",
    stageStartedMs: at.clock.nowMs,
    ...NOT_STARTED,
    step: 0,
  };
  const created = (message: string): EventJson => ({
    id: newId("ftevent"),
    object: "fine_tuning.job.event",
    created_at: job.createdAt,
    level: "info",
    message,
    type: "message",
    data: {},
  });
  await core.store.insertJob(job, [
    created(`Created fine-tuning job: ${job.id}`),
    created(`Validating training file: ${job.trainingFile}`),
  ]);
  return jobJson(job, at);
}

export async function getJob(core: Core, id: string): Promise<JobJson> {
  const { job, at } = await update(core, id);
  return jobJson(job, at);
}

/** Brings each listed job up to date, starting from the row the list read. */
export async function refreshListed(core: Core, rows: Array<Versioned<JobRecord>>): Promise<Array<{ job: JobRecord; at: View }>> {
  const at = await view(core);
  return Promise.all(rows.map((row) => update(core, row.value.id, undefined, { stored: row, at })));
}

/** The jobs matching the metadata pairs (within `page`), newest first, each brought up to date. */
export async function jobsMatching(core: Core, metadata: Array<[string, string]>, page?: JobPage): Promise<JobJson[]> {
  const listed = await refreshListed(core, await core.store.listJobs(metadata, page));
  return listed.map(({ job, at }) => jobJson(job, at));
}

const FINISHED: Partial<Record<JobRecord["status"], string>> = {
  succeeded: "Job has already completed",
  failed: "Job has already failed",
  cancelled: "Job has already been cancelled",
};

function refuseFinished(job: JobRecord, code: string): void {
  const finished = FINISHED[job.status];
  if (finished) throw new ApiError(400, `${finished}: ${job.id}`, "invalid_request_error", null, code);
}

export async function cancelJob(core: Core, id: string): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v, out) => {
    refuseFinished(j, "job_not_cancellable");
    life.cancel(j, v.clock, out);
  });
  return jobJson(job, at);
}

/** OpenAI pauses running jobs only; pausing one that is pausing or paused changes nothing. */
export async function pauseJob(core: Core, id: string): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v, out) => {
    refuseFinished(j, "job_not_pausable");
    if (j.status === "pausing" || j.status === "paused") return;
    if (j.status !== "running")
      throw new ApiError(
        400,
        `Only a running job can be paused; ${j.id} is ${j.status}.`,
        "invalid_request_error",
        null,
        "job_not_pausable",
      );
    life.pause(j, v.clock, out);
  });
  return jobJson(job, at);
}

/** Resume brings a pausing or paused job back to running; a running job stays as it is. */
export async function resumeJob(core: Core, id: string): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v, out) => {
    refuseFinished(j, "job_not_resumable");
    if (j.status === "running") return;
    if (j.status !== "pausing" && j.status !== "paused") {
      throw new ApiError(
        400,
        `Only a paused job can be resumed; ${j.id} is ${j.status}.`,
        "invalid_request_error",
        null,
        "job_not_resumable",
      );
    }
    life.resume(j, v.clock, out);
  });
  return jobJson(job, at);
}

export async function jobEvents(core: Core, id: string): Promise<EventJson[]> {
  await update(core, id);
  return core.store.listEvents(id);
}

export async function jobCheckpoints(core: Core, id: string) {
  await update(core, id);
  return core.store.listCheckpoints(id);
}

function forceable(job: JobRecord): void {
  if (TERMINAL.has(job.status))
    throw new ApiError(409, `Job ${job.id} is already ${job.status}`, "invalid_request_error", null, "job_finished");
}

/** Test hook: succeed now, from any non-terminal status. */
export async function completeJob(core: Core, id: string): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v, out) => {
    forceable(j);
    if (j.status === "validating_files" || j.status === "queued") life.startRunning(j, v.clock, v.clock.nowMs, out);
    life.succeed(j, v.clock, v.clock.nowMs, out);
  });
  return jobJson(job, at);
}

/** Test hook: fail now with the given message. */
export async function failJob(
  core: Core,
  id: string,
  message = "Fine-tuning failed (forced by the sandbox).",
  code = "server_error",
): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v, out) => {
    forceable(j);
    life.fail(j, v.clock, v.clock.nowMs, out, { code, message });
  });
  return jobJson(job, at);
}

/** Test hook: the loss behaves like `shape` from the job's current step on. */
export async function setLossShape(core: Core, id: string, shape: LossShape): Promise<JobJson> {
  const { job, at } = await update(core, id, (j, v) => {
    forceable(j);
    // Stalling stops the training clock; leaving a stall starts it again.
    if (j.status === "running" && (shape === "flat") !== (j.lossShape === "flat")) life.holdRun(j, v.clock.nowMs);
    j.lossShape = shape;
    j.shapeFromStep = j.step;
  });
  return jobJson(job, at);
}

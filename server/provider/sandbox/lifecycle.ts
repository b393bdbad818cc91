// A job's timeline as a pure function of its record and the clock:
// validating_files → queued → running (steps, metrics, a checkpoint per epoch)
// → succeeded, with pausing/paused in between when asked. `catchUp` brings a
// record up to `now` and returns what happened meanwhile (events,
// checkpoints); whoever saves that first (compare-and-set) wins, so a job
// moves once however many fronts look at it, and a restart simply catches up.
import { newId } from "./http";
import type { Clock, JobRecord } from "./state";
import type { CheckpointJson, EventJson, SandboxTimings } from "./types";

/** What "auto" resolves to once a job starts running. */
export const AUTO = { n_epochs: 3, batch_size: 1, learning_rate_multiplier: 2 } as const;

/** How long a job stays "pausing" before it is "paused". */
export const PAUSING_MS = 500;

export type Happened = { events: EventJson[]; checkpoints: CheckpointJson[] };

/** Wall-clock seconds of a moment on the sandbox clock. */
function wallSeconds(clock: Clock, sandboxMs: number): number {
  return Math.floor((sandboxMs + clock.offsetMs) / 1000);
}

export function epochs(job: JobRecord): number {
  return typeof job.hyperparameters.n_epochs === "number" ? job.hyperparameters.n_epochs : AUTO.n_epochs;
}

export function stepsPerEpoch(job: JobRecord): number {
  const batch = typeof job.hyperparameters.batch_size === "number" ? job.hyperparameters.batch_size : AUTO.batch_size;
  return Math.max(1, Math.ceil(job.examples / batch));
}

export function totalSteps(job: JobRecord): number {
  return stepsPerEpoch(job) * epochs(job);
}

/** A number in [0, 1) fixed by the job's seed and the step: runs with one seed share their noise, so a sweep compares like with like. */
function noise(seed: number, step: number, salt: number): number {
  let h = 2166136261 ^ salt;
  for (const ch of `${seed}:${step}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

function learningRate(job: JobRecord): number {
  const lr = job.hyperparameters.learning_rate_multiplier;
  return typeof lr === "number" ? lr : AUTO.learning_rate_multiplier;
}

/** Where a fresh model's loss starts. */
const START_LOSS = 2.45;
/** Above this multiplier training diverges. */
const DIVERGES_ABOVE = 4;

/**
 * The noise-free training loss after `step` steps, shaped by the learning-rate
 * multiplier and the epochs: it falls towards a floor at a speed that grows
 * with the multiplier (too low learns slowly), the floor is lowest near 2 and
 * rises away from it, and above DIVERGES_ABOVE the loss turns and grows. A job
 * continued from a checkpoint starts from its parent's loss there.
 */
export function cleanLoss(job: JobRecord, step: number): number {
  const lr = learningRate(job);
  const epochsDone = step / stepsPerEpoch(job);
  const floor = 0.3 + 0.08 * Math.log2(lr / 2) ** 2;
  const start = Math.max(job.continuedFrom?.loss ?? START_LOSS, floor);
  const falling = floor + (start - floor) * Math.exp(-1.8 * lr * epochsDone);
  return falling + 0.15 * Math.max(0, lr - DIVERGES_ABOVE) * epochsDone ** 2;
}

/** The usual curve with seeded step-to-step noise (±3 %). */
function fallingLoss(job: JobRecord, step: number, salt: number): number {
  return cleanLoss(job, step) * (0.97 + 0.06 * noise(job.seed, step, salt));
}

export function lossAt(job: JobRecord, step: number, salt = 1): number {
  if (step <= job.shapeFromStep || job.lossShape === "normal" || job.lossShape === "flat") return fallingLoss(job, step, salt);
  if (job.lossShape === "nan") return Number.NaN;
  // diverging: from the step it was set, the loss grows several-fold by the end.
  const from = fallingLoss(job, job.shapeFromStep, salt);
  const grown = from * Math.exp((4 * (step - job.shapeFromStep)) / totalSteps(job));
  return grown * (0.92 + 0.16 * noise(job.seed, step, salt + 7));
}

const round = (n: number) => (Number.isNaN(n) ? n : Number(n.toFixed(4)));

/** Validation runs on the first step, every VALID_EVERY steps and at each epoch's end (OpenAI). */
export const VALID_EVERY = 5;

/** Together evaluates n_evals times, evenly spaced over the run: at the first step past each k/n_evals of it. */
function validates(job: JobRecord, step: number): boolean {
  if (job.together) {
    const n = job.together.nEvals ?? 0;
    const total = totalSteps(job);
    return n > 0 && Math.floor((step * n) / total) > Math.floor(((step - 1) * n) / total);
  }
  return step === 1 || step % VALID_EVERY === 0 || step % stepsPerEpoch(job) === 0;
}

/**
 * The metrics OpenAI reports for a step (valid_* only with a validation file,
 * on validation steps; it sits a little above the training loss and grows
 * once the run trains past three epochs: overfitting). NaN stays NaN here.
 */
export function metricsAt(job: JobRecord, step: number): Record<string, number> {
  const trainLoss = lossAt(job, step);
  const accuracy = Number.isNaN(trainLoss) ? Number.NaN : Math.max(0, Math.min(1, 1.05 - trainLoss / 2.6));
  const metrics: Record<string, number> = { step, train_loss: round(trainLoss), train_mean_token_accuracy: round(accuracy) };
  if (job.validationFile !== null && validates(job, step)) {
    const overfit = 0.04 * Math.max(0, step / stepsPerEpoch(job) - 3);
    const valid = lossAt(job, step, 2) * 1.06 + overfit;
    metrics["valid_loss"] = round(valid);
    metrics["valid_mean_token_accuracy"] = round(Number.isNaN(valid) ? valid : Math.max(0, Math.min(1, 1.02 - valid / 2.6)));
  }
  return metrics;
}

/** JSON has no NaN: on the wire a NaN metric is null (the message says "nan"). */
function wireMetrics(metrics: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]));
}

function event(
  clock: Clock,
  atMs: number,
  message: string,
  level: EventJson["level"] = "info",
  data: Record<string, unknown> | null = null,
): EventJson {
  return {
    id: newId("ftevent"),
    object: "fine_tuning.job.event",
    created_at: wallSeconds(clock, atMs),
    level,
    message,
    type: data ? "metrics" : "message",
    data: data ?? {},
  };
}

/** The base model's name, also when the job trains on from a fine-tuned model or checkpoint (ft:<base>:…). */
function baseModel(model: string): string {
  return model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
}

export function modelName(job: JobRecord): string {
  return `ft:${baseModel(job.model)}:sandbox:${job.suffix ?? "custom"}:${job.id.slice("ftjob-".length, "ftjob-".length + 8)}`;
}

/** The job and step a checkpoint model names (ft:…:ckpt-step-N), or null for any other model. */
export function checkpointOf(model: string): { parentModel: string; step: number } | null {
  const match = /^(ft:.+):ckpt-step-(\d+)$/.exec(model);
  return match ? { parentModel: match[1]!, step: Number(match[2]) } : null;
}

function reportStep(job: JobRecord, clock: Clock, step: number, atMs: number, out: Happened): void {
  const total = totalSteps(job);
  const metrics = metricsAt(job, step);
  const loss = Number.isNaN(metrics["train_loss"]) ? "nan" : String(metrics["train_loss"]);
  out.events.push(
    event(clock, atMs, `Step ${step}/${total}: training loss=${loss}`, "info", { ...wireMetrics(metrics), total_steps: total }),
  );
  if (step % stepsPerEpoch(job) === 0) {
    out.checkpoints.push({
      id: newId("ftckpt"),
      object: "fine_tuning.job.checkpoint",
      created_at: wallSeconds(clock, atMs),
      fine_tuned_model_checkpoint: `${modelName(job)}:ckpt-step-${step}`,
      fine_tuning_job_id: job.id,
      step_number: step,
      metrics: wireMetrics(metrics),
    });
  }
  job.step = step;
}

export function startRunning(job: JobRecord, clock: Clock, atMs: number, out: Happened): void {
  const hp = job.hyperparameters;
  job.hyperparameters = {
    n_epochs: hp.n_epochs === "auto" ? AUTO.n_epochs : hp.n_epochs,
    batch_size: hp.batch_size === "auto" ? AUTO.batch_size : hp.batch_size,
    learning_rate_multiplier: hp.learning_rate_multiplier === "auto" ? AUTO.learning_rate_multiplier : hp.learning_rate_multiplier,
  };
  out.events.push(event(clock, atMs, "Fine-tuning job started"));
  job.status = "running";
  job.stageStartedMs = atMs;
  job.runMs = 0;
}

export function succeed(job: JobRecord, clock: Clock, atMs: number, out: Happened): void {
  const total = totalSteps(job);
  if (job.step < total) reportStep(job, clock, total, atMs, out);
  job.trainedTokens = job.tokens * epochs(job);
  job.fineTunedModel = modelName(job);
  out.events.push(event(clock, atMs, `New fine-tuned model created: ${job.fineTunedModel}`));
  out.events.push(event(clock, atMs, "The job has successfully completed"));
  finish(job, clock, atMs, "succeeded");
}

export function fail(
  job: JobRecord,
  clock: Clock,
  atMs: number,
  out: Happened,
  error: { code: string; message: string; param?: string | null },
): void {
  job.error = { code: error.code, message: error.message, param: error.param ?? null };
  out.events.push(event(clock, atMs, error.message, "error"));
  finish(job, clock, atMs, "failed");
}

export function cancel(job: JobRecord, clock: Clock, out: Happened): void {
  out.events.push(event(clock, clock.nowMs, "Fine-tuning job cancelled"));
  finish(job, clock, clock.nowMs, "cancelled");
}

function finish(job: JobRecord, clock: Clock, atMs: number, status: "succeeded" | "failed" | "cancelled"): void {
  job.status = status;
  job.stageStartedMs = atMs;
  job.finishedAt = wallSeconds(clock, atMs);
}

/** Whether the job's training clock runs: running, or still training while its cancel waits to be confirmed. */
function training(job: JobRecord): boolean {
  return job.status === "running" || (job.status === "cancel_requested" && job.cancelTrains === true);
}

/** Training time done by `now` (a stalled job's clock stands still). */
export function trainedMs(job: JobRecord, nowMs: number): number {
  if (!training(job) || job.lossShape === "flat") return job.runMs;
  return job.runMs + Math.max(0, nowMs - job.stageStartedMs);
}

/** Stops the running clock (pause, stall): what was trained so far is kept in runMs. */
export function holdRun(job: JobRecord, nowMs: number): void {
  job.runMs = trainedMs(job, nowMs);
  job.stageStartedMs = nowMs;
}

/**
 * Together's cancel: accepted now, confirmed `cancelConfirmMs` later (see
 * catchUp). A job that was training trains (and bills) on until then.
 */
export function requestCancel(job: JobRecord, clock: Clock, out: Happened): void {
  if (job.status === "cancel_requested") return;
  job.cancelTrains = job.status === "running";
  job.cancelRequestedMs = clock.nowMs;
  job.status = "cancel_requested";
  out.events.push(event(clock, clock.nowMs, "Cancel requested"));
}

export function pause(job: JobRecord, clock: Clock, out: Happened): void {
  holdRun(job, clock.nowMs);
  job.status = "pausing";
  out.events.push(event(clock, clock.nowMs, "Fine-tuning job pausing"));
}

export function resume(job: JobRecord, clock: Clock, out: Happened): void {
  job.status = "running";
  job.stageStartedMs = clock.nowMs;
  out.events.push(event(clock, clock.nowMs, "Fine-tuning job resumed"));
}

/** Wall-clock seconds when a running job should finish; null when not running or never. */
export function estimatedFinish(job: JobRecord, clock: Clock, timings: SandboxTimings): number | null {
  if (job.status !== "running" || job.lossShape === "flat" || !Number.isFinite(timings.runningMs)) return null;
  const remaining = Math.max(0, timings.runningMs - trainedMs(job, clock.nowMs));
  return Math.ceil((clock.nowMs + remaining + clock.offsetMs) / 1000);
}

/**
 * Brings the job up to `clock.nowMs` in place and returns what happened.
 * `trainingFileUsable` says whether validation can pass (its file still exists).
 */
export function catchUp(job: JobRecord, clock: Clock, timings: SandboxTimings, trainingFileUsable: boolean): Happened {
  const out: Happened = { events: [], checkpoints: [] };
  for (let guard = 0; guard < 10; guard += 1) {
    const since = clock.nowMs - job.stageStartedMs;
    if (job.status === "validating_files" && since >= timings.validatingMs) {
      const at = job.stageStartedMs + timings.validatingMs;
      if (!trainingFileUsable) {
        fail(job, clock, at, out, {
          code: "invalid_training_file",
          message: `The training file ${job.trainingFile} was deleted before validation finished.`,
          param: "training_file",
        });
        break;
      }
      out.events.push(event(clock, at, "Files validated, moving job to queued state"));
      job.status = "queued";
      job.stageStartedMs = at;
    } else if (job.status === "queued" && since >= timings.queuedMs) {
      const at = job.stageStartedMs + timings.queuedMs;
      startRunning(job, clock, at, out);
      reportStep(job, clock, 1, at, out);
    } else if (job.status === "running") {
      runSteps(job, clock, timings, out);
      break;
    } else if (job.status === "cancel_requested") {
      const requested = job.cancelRequestedMs ?? clock.nowMs;
      const confirmAt = requested + (timings.cancelConfirmMs ?? 0);
      // Training goes on until the cancel is confirmed (it may finish first).
      if (job.cancelTrains) runSteps(job, { ...clock, nowMs: Math.min(clock.nowMs, confirmAt) }, timings, out);
      if (job.status === "cancel_requested" && clock.nowMs >= confirmAt) {
        holdRun(job, confirmAt);
        out.events.push(event(clock, confirmAt, "Fine-tuning job cancelled"));
        finish(job, clock, confirmAt, "cancelled");
      }
      break;
    } else if (job.status === "pausing" && since >= PAUSING_MS) {
      job.status = "paused";
      out.events.push(event(clock, job.stageStartedMs + PAUSING_MS, "Fine-tuning job paused"));
      break;
    } else {
      break;
    }
  }
  return out;
}

function runSteps(job: JobRecord, clock: Clock, timings: SandboxTimings, out: Happened): void {
  const duration = timings.runningMs;
  if (job.lossShape === "flat" || !Number.isFinite(duration)) return;
  const total = totalSteps(job);
  const trained = trainedMs(job, clock.nowMs);
  const due = Math.min(total, Math.floor((trained / Math.max(1, duration)) * total));
  for (let step = job.step + 1; step <= due && step < total; step += 1) {
    // When this step was reached on the sandbox clock.
    reportStep(job, clock, step, job.stageStartedMs + (step / total) * duration - job.runMs, out);
  }
  if (trained >= duration) succeed(job, clock, job.stageStartedMs + duration - job.runMs, out);
}

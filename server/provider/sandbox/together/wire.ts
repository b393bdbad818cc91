// The Together front's answers, in the shapes of Together's published OpenAPI
// document (FinetuneResponse, FinetuneResponseTruncated, FineTuneEvent,
// FineTuneCheckpoint, FileResponse), made from the sandbox's shared records.
// Optional fields are left out rather than sent as null: the document types
// them as plain strings and numbers.
import { epochs, stepsPerEpoch, totalSteps, trainedMs } from "../lifecycle";
import type { FileRecord, JobRecord } from "../state";
import type { CheckpointJson, EventJson } from "../types";
import type { View } from "../view";

/** What a sandbox job costs per 1M trained tokens, in USD (Together's list prices for LoRA / full SFT). */
const USD_PER_MILLION: Record<string, { lora: number; full: number }> = {
  "meta-llama/Meta-Llama-3.1-70B-Instruct-Reference": { lora: 2.9, full: 3.2 },
};
const SMALL_MODEL = { lora: 0.48, full: 0.54 };

/** total_price's unit: nano-dollars (docs/CONTRACT.md, "Providers"). */
export const NANO_USD_PER_USD = 1_000_000_000;

export const TOGETHER_STATUS: Record<JobRecord["status"], string> = {
  validating_files: "pending",
  queued: "queued",
  running: "running",
  pausing: "running",
  paused: "running",
  cancel_requested: "cancel_requested",
  succeeded: "completed",
  failed: "error",
  cancelled: "cancelled",
};

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const wallIso = (at: View, sandboxMs: number) => new Date(sandboxMs + at.clock.offsetMs).toISOString();

export function outputName(job: JobRecord): string {
  return `sandbox/${job.model.split("/").at(-1) ?? job.model}-${job.suffix ?? "ft"}-${job.id.slice(0, 8)}`;
}

/** Tokens trained by now: the file's tokens × epochs × the share of training done. */
function tokensSoFar(job: JobRecord, at: View): number {
  if (job.status === "succeeded") return job.tokens * epochs(job);
  const duration = at.timings.runningMs;
  if (!Number.isFinite(duration) || duration <= 0) return 0;
  const share = Math.min(1, trainedMs(job, at.clock.nowMs) / duration);
  return Math.round(job.tokens * epochs(job) * share);
}

/** The price so far, in nano-dollars (an integer, as the document types it). */
export function totalPrice(job: JobRecord, at: View): number {
  const price = USD_PER_MILLION[job.model] ?? SMALL_MODEL;
  const perMillion = job.together?.lora === false ? price.full : price.lora;
  return Math.round((tokensSoFar(job, at) * perMillion * NANO_USD_PER_USD) / 1_000_000);
}

function trainingType(job: JobRecord) {
  return job.together?.lora === false
    ? { type: "Full" as const }
    : { type: "Lora" as const, lora_r: 8, lora_alpha: 16, lora_dropout: 0, lora_trainable_modules: "all-linear" };
}

function common(job: JobRecord, at: View) {
  const batch = typeof job.hyperparameters.batch_size === "number" ? job.hyperparameters.batch_size : 1;
  const out: Record<string, unknown> = {
    id: job.id,
    status: TOGETHER_STATUS[job.status],
    created_at: iso(job.createdAt),
    updated_at: wallIso(at, job.status === "running" ? at.clock.nowMs : job.stageStartedMs),
    started_at: wallIso(at, job.stageStartedMs),
    training_file: job.trainingFile,
    model: job.model,
    model_output_name: outputName(job),
    n_epochs: epochs(job),
    n_checkpoints: epochs(job),
    n_evals: job.together?.nEvals ?? 0,
    batch_size: batch,
    learning_rate: job.together?.learningRate ?? 0.00001,
    warmup_ratio: 0,
    max_grad_norm: 1,
    weight_decay: 0,
    training_type: trainingType(job),
    // The document types train_on_inputs here as a boolean (its "auto" default contradicts that): false, which is what auto does for chat data.
    training_method: { method: "sft", train_on_inputs: false },
    token_count: job.tokens * epochs(job),
    total_price: totalPrice(job, at),
  };
  if (job.validationFile !== null) out["validation_file"] = job.validationFile;
  if (job.suffix !== null) out["suffix"] = job.suffix;
  if (job.together?.fromCheckpoint) out["from_checkpoint"] = job.together.fromCheckpoint;
  return out;
}

/** FinetuneResponseTruncated: create, list and cancel answer this. */
export function truncatedJob(job: JobRecord, at: View): Record<string, unknown> {
  return { ...common(job, at), user_id: "user_sandbox", owner_address: "sandbox@localhost", packing: true, random_seed: job.seed };
}

/** FinetuneResponse: retrieve answers this, with the job's events and progress. */
export function fullJob(job: JobRecord, at: View, events: EventJson[]): Record<string, unknown> {
  const remainingMs =
    job.status === "running" && Number.isFinite(at.timings.runningMs)
      ? Math.max(0, at.timings.runningMs - trainedMs(job, at.clock.nowMs))
      : null;
  return {
    ...common(job, at),
    trainingfile_numlines: job.examples,
    trainingfile_size: job.tokens * 4,
    train_on_inputs: false,
    events: events.filter((e) => e.type !== "metrics").map((e, index) => togetherEvent(job, e, index)),
    param_count: job.model.includes("70B") ? 70_000_000_000 : 8_000_000_000,
    epochs_completed: Math.min(epochs(job), Math.floor(job.step / stepsPerEpoch(job))),
    queue_depth: 0,
    progress: { estimate_available: remainingMs !== null, seconds_remaining: Math.round((remainingMs ?? 0) / 1000) },
  };
}

function eventType(e: EventJson): string {
  const m = e.message;
  if (e.level === "error") return "job_error";
  if (m.startsWith("Created fine-tuning job")) return "job_pending";
  if (m.startsWith("Validating training file")) return "training_data_downloading";
  if (m.startsWith("Files validated")) return "training_data_download_complete";
  if (m.startsWith("Fine-tuning job started")) return "training_start";
  if (m.startsWith("New fine-tuned model")) return "model_upload_complete";
  if (m.startsWith("The job has successfully completed")) return "job_complete";
  if (m.startsWith("Cancel requested")) return "cancel_requested";
  if (m.includes("cancelled")) return "job_stopped";
  return "job_start";
}

/** FineTuneEvent: every field the document requires, from one of the sandbox's events. */
export function togetherEvent(job: JobRecord, e: EventJson, index: number): Record<string, unknown> {
  return {
    object: "fine-tune-event",
    created_at: iso(e.created_at),
    level: e.level === "warn" ? "warning" : e.level,
    message: e.message,
    type: eventType(e),
    param_count: job.model.includes("70B") ? 70_000_000_000 : 8_000_000_000,
    token_count: job.tokens * epochs(job),
    total_steps: totalSteps(job),
    wandb_url: "",
    step: job.step,
    checkpoint_path: "",
    model_path: "",
    training_offset: 0,
    hash: `${job.id}-${index}`,
  };
}

/** The metrics endpoint's flat snapshots, one per step, from the sandbox's per-step events. */
export function metricSnapshots(events: EventJson[]): Array<Record<string, number>> {
  return events.flatMap((e) => {
    if (e.type !== "metrics") return [];
    const data = e.data as Record<string, unknown>;
    const step = data["step"];
    if (typeof step !== "number") return [];
    const snapshot: Record<string, number> = { "train/global_step": step };
    // JSON has no NaN: a diverged step's loss is left out.
    if (typeof data["train_loss"] === "number") snapshot["train/loss"] = data["train_loss"];
    if (typeof data["valid_loss"] === "number") snapshot["eval/loss"] = data["valid_loss"];
    return [snapshot];
  });
}

/** FineTuneCheckpoint. */
export function togetherCheckpoint(job: JobRecord, c: CheckpointJson, last: boolean): Record<string, unknown> {
  return {
    step: c.step_number,
    path: `${outputName(job)}/checkpoint-${c.step_number}`,
    created_at: iso(c.created_at),
    checkpoint_type: last && job.status === "succeeded" ? "final" : "intermediate",
  };
}

/** FileResponse. */
export function togetherFile(file: FileRecord, at: View): Record<string, unknown> {
  return {
    id: file.id,
    object: "file",
    created_at: file.createdAt,
    filename: file.filename,
    bytes: file.bytes,
    purpose: file.purpose,
    FileType: file.filename.endsWith(".csv") ? "csv" : file.filename.endsWith(".parquet") ? "parquet" : "jsonl",
    Processed: at.clock.nowMs - file.createdMs >= at.timings.fileProcessingMs,
  };
}

// Together AI's fine-tuning and files routes (under /v1), as its published
// OpenAPI document has them, over the same store, clock and lifecycle as the
// OpenAI front. Differences in behaviour: cancel only requests
// (cancel_requested, confirmed after `cancelConfirmMs`), there is no pause,
// the job reports its own price, validation runs `n_evals` times over the run,
// and a job continues another's checkpoint through `from_checkpoint`.
import { randomUUID } from "node:crypto";
import { PROVIDER_CAPABILITIES } from "../../capabilities";
import { usableTrainingFile } from "../files";
import { ApiError, json, nowSeconds, parseJsonBody, type Reply } from "../http";
import { refreshListed, update } from "../jobs";
import * as life from "../lifecycle";
import type { Ctx, Route } from "../router";
import { NOT_STARTED, TERMINAL, type FileRecord, type JobRecord } from "../state";
import { trainingTokens } from "../tokens";
import type { EventJson } from "../types";
import { checkFineTuneFile } from "../validate";
import { view, type Core } from "../view";
import { fullJob, metricSnapshots, outputName, togetherCheckpoint, togetherEvent, togetherFile, truncatedJob } from "./wire";

/** Together's default learning rate, when a job names none. */
const DEFAULT_LEARNING_RATE = 0.00001;

/** The models the sandbox fine-tunes (GET /fine-tunes/models/supported). */
export const SUPPORTED_MODELS: readonly string[] = PROVIDER_CAPABILITIES.together.models;
const PURPOSES = new Set(["fine-tune", "eval", "eval-sample", "eval-output", "eval-summary", "batch-generated", "batch-api"]);
const FILE_TYPES = new Set(["csv", "jsonl", "parquet"]);

const bad = (message: string, param: string | null = null) => new ApiError(400, message, "invalid_request_error", param);

function param(ctx: Ctx, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new ApiError(500, `Route parameter ${name} missing.`, "server_error");
  return value;
}

async function readForm(ctx: Ctx): Promise<FormData> {
  if (!ctx.contentType.toLowerCase().startsWith("multipart/form-data")) throw bad("Uploads must be sent as multipart/form-data.", "file");
  const request = new Request("http://sandbox.local/upload", {
    method: "POST",
    headers: { "content-type": ctx.contentType },
    body: new Uint8Array(ctx.body),
  });
  try {
    return await request.formData();
  } catch {
    throw bad("Could not parse the multipart form data.", "file");
  }
}

async function uploadFile(ctx: Ctx): Promise<Reply> {
  const form = await readForm(ctx);
  const purpose = form.get("purpose");
  const fileName = form.get("file_name");
  const fileType = form.get("file_type") ?? "jsonl";
  const file = form.get("file");
  if (typeof purpose !== "string" || !PURPOSES.has(purpose)) throw bad(`Invalid purpose: one of ${[...PURPOSES].join(", ")}.`, "purpose");
  if (typeof fileName !== "string" || fileName === "") throw bad("Missing required field: file_name.", "file_name");
  if (typeof fileType !== "string" || !FILE_TYPES.has(fileType)) throw bad("Invalid file_type: csv, jsonl or parquet.", "file_type");
  if (file === null || typeof file === "string") throw bad("Missing required field: file.", "file");
  const content = Buffer.from(await file.arrayBuffer());
  const verdict = purpose === "fine-tune" ? checkFineTuneFile(content.toString("utf8")) : { ok: true as const, examples: 0, tokens: 0 };
  const at = await view(ctx.core);
  const record: FileRecord = {
    id: `file-${randomUUID()}`,
    filename: fileName,
    purpose,
    bytes: content.length,
    createdAt: nowSeconds(),
    createdMs: at.clock.nowMs,
    verdict,
    deleted: false,
  };
  await ctx.core.store.insertFile(record, content);
  return json(200, togetherFile(record, at));
}

async function liveFile(core: Core, id: string): Promise<FileRecord> {
  const file = await core.store.getFile(id);
  if (!file || file.deleted) throw new ApiError(404, `File ${id} not found.`, "invalid_request_error", "id", "file_not_found");
  return file;
}

function positiveInt(body: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
    throw bad(`Invalid ${key}: an integer from 1 to ${max}.`, key);
  return value;
}

function optionalText(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw bad(`Invalid ${key}: expected a string.`, key);
  return value;
}

function evaluations(body: Record<string, unknown>): number {
  const value = body["n_evals"];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 1_000)
    throw bad("Invalid n_evals: an integer from 0 to 1000.", "n_evals");
  return value;
}

/**
 * The checkpoint a job continues from, in any of the document's forms: a job
 * id or output model name, optionally followed by `:{step}` (without it, the
 * job's last checkpoint). The new job's loss starts where the parent's was
 * there. An unknown job or step is a 400 naming from_checkpoint.
 */
async function continuedFrom(core: Core, ref: string): Promise<NonNullable<JobRecord["continuedFrom"]>> {
  const match = /^(.+):(\d+)$/.exec(ref);
  const name = match ? match[1]! : ref;
  const unknown = () =>
    bad(`Checkpoint ${ref} not found: from_checkpoint must name a checkpoint of one of your fine-tuning jobs.`, "from_checkpoint");
  const byId = await core.store.getJob(name);
  const parent = byId?.value ?? (await core.store.listJobs([])).find((j) => outputName(j.value) === name)?.value;
  if (!parent || parent.deleted) throw unknown();
  const checkpoints = await core.store.listCheckpoints(parent.id);
  const checkpoint = match ? checkpoints.find((c) => c.step_number === Number(match[2])) : checkpoints.at(-1);
  if (!checkpoint) throw unknown();
  return { jobId: parent.id, step: checkpoint.step_number, loss: life.lossAt(parent, checkpoint.step_number) };
}

async function createJob(ctx: Ctx): Promise<Reply> {
  const body = parseJsonBody(ctx.body);
  const model = optionalText(body, "model");
  const trainingFile = optionalText(body, "training_file");
  if (!model) throw bad("Missing required field: model.", "model");
  if (!trainingFile) throw bad("Missing required field: training_file.", "training_file");
  if (!SUPPORTED_MODELS.includes(model)) throw bad(`Model ${model} is not supported for fine-tuning.`, "model");
  const nEpochs = positiveInt(body, "n_epochs", 1, 20);
  const batch = body["batch_size"] === "max" ? 8 : positiveInt(body, "batch_size", 8, 256);
  const learningRate = body["learning_rate"] ?? DEFAULT_LEARNING_RATE;
  if (typeof learningRate !== "number" || !(learningRate > 0 && learningRate <= 1)) throw bad("Invalid learning_rate.", "learning_rate");
  const trainingType = body["training_type"];
  const lora =
    trainingType === undefined ||
    trainingType === null ||
    (typeof trainingType === "object" && (trainingType as { type?: unknown }).type !== "Full");
  const suffix = optionalText(body, "suffix");
  if (suffix !== null && suffix.length > 64) throw bad("Invalid suffix: at most 64 characters.", "suffix");
  const validationFile = optionalText(body, "validation_file");
  const nEvals = evaluations(body);
  const fromCheckpoint = optionalText(body, "from_checkpoint");

  const { examples } = await usableTrainingFile(ctx.core, trainingFile, "training_file");
  if (validationFile !== null) await usableTrainingFile(ctx.core, validationFile, "validation_file");
  const parent = fromCheckpoint === null ? null : await continuedFrom(ctx.core, fromCheckpoint);
  const content = (await ctx.core.store.fileContent(trainingFile)) ?? Buffer.alloc(0);
  const at = await view(ctx.core);
  const job: JobRecord = {
    model,
    trainingFile,
    validationFile,
    suffix,
    metadata: null,
    // The curve follows the learning rate as the OpenAI sandbox's follows its multiplier: Together's
    // default (1e-5) draws the curve of OpenAI's "auto", ten times it diverges, a tenth learns slowly.
    hyperparameters: {
      n_epochs: nEpochs,
      batch_size: batch,
      learning_rate_multiplier: (life.AUTO.learning_rate_multiplier * learningRate) / DEFAULT_LEARNING_RATE,
    },
    seed: typeof body["random_seed"] === "number" ? body["random_seed"] : 42,
    // FinetuneResponse types the id as a UUID (the path's description says it starts with "ft-"; the schema is what is checked).
    id: randomUUID(),
    examples,
    tokens: await trainingTokens(content.toString("utf8"), "gpt-4o"),
    createdAt: nowSeconds(),
    status: "validating_files",
    stageStartedMs: at.clock.nowMs,
    ...NOT_STARTED,
    step: 0,
    continuedFrom: parent,
    together: { learningRate, lora, nEvals, fromCheckpoint },
  };
  const created = (message: string, n: number): EventJson => ({
    id: `${job.id}-created-${n}`,
    object: "fine_tuning.job.event",
    created_at: job.createdAt,
    level: "info",
    message,
    type: "message",
    data: {},
  });
  await ctx.core.store.insertJob(job, [
    created(`Created fine-tuning job: ${job.id}`, 0),
    created(`Validating training file: ${trainingFile}`, 1),
  ]);
  return json(200, truncatedJob(job, at));
}

/** A job brought up to now; Together's 404 when unknown or deleted. */
async function current(core: Core, id: string, change?: Parameters<typeof update>[2]) {
  const { job, at } = await update(core, id, change).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) throw notFound(id);
    throw error;
  });
  if (job.deleted) throw notFound(id);
  return { job, at };
}

const notFound = (id: string) => new ApiError(404, `Fine-tune job ${id} not found.`, "invalid_request_error", "id", "not_found");

async function cancelJob(ctx: Ctx): Promise<Reply> {
  const { job, at } = await current(ctx.core, param(ctx, "id"), (j, v, out) => {
    if (j.deleted) return;
    if (TERMINAL.has(j.status)) throw bad(`Fine-tune job ${j.id} has already ended (${j.status}); it cannot be cancelled.`);
    life.requestCancel(j, v.clock, out);
  });
  return json(200, truncatedJob(job, at));
}

async function deleteJob(ctx: Ctx): Promise<Reply> {
  const id = param(ctx, "id");
  await current(ctx.core, id); // unknown or already deleted: 404
  await update(ctx.core, id, (j) => {
    j.deleted = true;
  });
  return json(200, { message: `Fine-tune job ${id} deleted.` });
}

async function listJobs(ctx: Ctx): Promise<Reply> {
  // Together lists every job in one answer (no paging).
  const stored = (await ctx.core.store.listJobs([])).filter(({ value }) => !value.deleted);
  return json(200, { data: (await refreshListed(ctx.core, stored)).map(({ job, at }) => truncatedJob(job, at)) });
}

async function events(core: Core, id: string) {
  const { job, at } = await current(core, id);
  return { job, at, events: await core.store.listEvents(id) };
}

function stepBound(query: URLSearchParams, key: string): number | null {
  const raw = query.get(key);
  if (raw === null) return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw bad(`Invalid ${key}: an integer.`, key);
  return n;
}

export const togetherRoutes: readonly Route[] = [
  { method: "POST", pattern: "/v1/files/upload", handler: uploadFile },
  {
    method: "GET",
    pattern: "/v1/files",
    handler: async (ctx) => {
      const at = await view(ctx.core);
      const files = (await ctx.core.store.listFiles()).filter((f) => !f.deleted);
      return json(200, { data: files.map((f) => togetherFile(f, at)) });
    },
  },
  {
    method: "GET",
    pattern: "/v1/files/:id",
    handler: async (ctx) => json(200, togetherFile(await liveFile(ctx.core, param(ctx, "id")), await view(ctx.core))),
  },
  {
    method: "DELETE",
    pattern: "/v1/files/:id",
    handler: async (ctx) => {
      const file = await liveFile(ctx.core, param(ctx, "id"));
      await ctx.core.store.markFileDeleted(file.id);
      return json(200, { id: file.id, deleted: true });
    },
  },
  {
    method: "GET",
    pattern: "/v1/files/:id/content",
    handler: async (ctx) => {
      const file = await liveFile(ctx.core, param(ctx, "id"));
      return { status: 200, body: null, raw: (await ctx.core.store.fileContent(file.id)) ?? Buffer.alloc(0) };
    },
  },
  { method: "GET", pattern: "/v1/fine-tunes/models/supported", handler: () => json(200, { models: [...SUPPORTED_MODELS] }) },
  { method: "POST", pattern: "/v1/fine-tunes", handler: createJob },
  { method: "GET", pattern: "/v1/fine-tunes", handler: listJobs },
  {
    method: "GET",
    pattern: "/v1/fine-tunes/:id",
    handler: async (ctx) => {
      const { job, at, events: all } = await events(ctx.core, param(ctx, "id"));
      return json(200, fullJob(job, at, all));
    },
  },
  { method: "DELETE", pattern: "/v1/fine-tunes/:id", handler: deleteJob },
  { method: "POST", pattern: "/v1/fine-tunes/:id/cancel", handler: cancelJob },
  {
    method: "GET",
    pattern: "/v1/fine-tunes/:id/events",
    handler: async (ctx) => {
      const { job, events: all } = await events(ctx.core, param(ctx, "id"));
      return json(200, { data: all.filter((e) => e.type !== "metrics").map((e, index) => togetherEvent(job, e, index)) });
    },
  },
  {
    method: "GET",
    pattern: "/v1/fine-tunes/:id/checkpoints",
    handler: async (ctx) => {
      const id = param(ctx, "id");
      const { job } = await current(ctx.core, id);
      const checkpoints = await ctx.core.store.listCheckpoints(id);
      return json(200, { data: checkpoints.map((c, i) => togetherCheckpoint(job, c, i === checkpoints.length - 1)) });
    },
  },
  {
    method: "GET",
    pattern: "/v1/fine-tunes/:id/metrics",
    handler: async (ctx) => {
      const { events: all } = await events(ctx.core, param(ctx, "id"));
      const from = stepBound(ctx.query, "global_step_from");
      const to = stepBound(ctx.query, "global_step_to");
      const metrics = metricSnapshots(all).filter((m) => {
        const step = m["train/global_step"] ?? 0;
        return (from === null || step >= from) && (to === null || step <= to);
      });
      return json(200, { metrics });
    },
  },
];

// The OpenAI REST routes the fine-tuning flow uses (under /v1).
import { deleteFile, fileContent, getFile, listFiles, uploadFile } from "./files";
import { ApiError, json, parseJsonBody } from "./http";
import { parseJobSpec } from "./job-params";
import { cancelJob, createJob, getJob, pauseJob, resumeJob } from "./jobs";
import { listCheckpoints, listEvents, listJobs, parseLimit } from "./lists";
import type { Ctx, Route } from "./router";

function param(ctx: Ctx, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new ApiError(500, `Route parameter ${name} missing.`, "server_error");
  return value;
}

async function readForm(ctx: Ctx): Promise<FormData> {
  if (!ctx.contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new ApiError(400, "Uploads must be sent as multipart/form-data.", "invalid_request_error", "file");
  }
  // The web Request parses multipart for us (Node 24 has it built in).
  const request = new Request("http://sandbox.local/upload", {
    method: "POST",
    headers: { "content-type": ctx.contentType },
    body: new Uint8Array(ctx.body),
  });
  try {
    return await request.formData();
  } catch {
    throw new ApiError(400, "Could not parse the multipart form data.", "invalid_request_error", "file");
  }
}

async function createFile(ctx: Ctx) {
  const form = await readForm(ctx);
  const purpose = form.get("purpose");
  const file = form.get("file");
  if (typeof purpose !== "string") throw new ApiError(400, "Missing required parameter: 'purpose'.", "invalid_request_error", "purpose");
  if (file === null || typeof file === "string") {
    throw new ApiError(400, "Missing required parameter: 'file'.", "invalid_request_error", "file");
  }
  const content = Buffer.from(await file.arrayBuffer());
  return json(200, await uploadFile(ctx.core, file.name || "upload", purpose, content));
}

async function getFiles(ctx: Ctx) {
  const order = ctx.query.get("order") === "asc" ? "asc" : "desc";
  const opts = {
    purpose: ctx.query.get("purpose"),
    after: ctx.query.get("after"),
    limit: parseLimit(ctx.query, 10_000, 10_000),
    order,
  } as const;
  return json(200, await listFiles(ctx.core, opts));
}

const jobId = (ctx: Ctx) => param(ctx, "id");

export const apiRoutes: readonly Route[] = [
  { method: "POST", pattern: "/v1/files", handler: createFile },
  { method: "GET", pattern: "/v1/files", handler: getFiles },
  { method: "GET", pattern: "/v1/files/:id", handler: async (ctx) => json(200, await getFile(ctx.core, param(ctx, "id"))) },
  { method: "DELETE", pattern: "/v1/files/:id", handler: async (ctx) => json(200, await deleteFile(ctx.core, param(ctx, "id"))) },
  {
    method: "GET",
    pattern: "/v1/files/:id/content",
    handler: async (ctx) => ({ status: 200, body: null, raw: await fileContent(ctx.core, param(ctx, "id")) }),
  },
  {
    method: "POST",
    pattern: "/v1/fine_tuning/jobs",
    handler: async (ctx) => json(200, await createJob(ctx.core, parseJobSpec(parseJsonBody(ctx.body)))),
  },
  { method: "GET", pattern: "/v1/fine_tuning/jobs", handler: async (ctx) => json(200, await listJobs(ctx.core, ctx.query)) },
  { method: "GET", pattern: "/v1/fine_tuning/jobs/:id", handler: async (ctx) => json(200, await getJob(ctx.core, jobId(ctx))) },
  { method: "POST", pattern: "/v1/fine_tuning/jobs/:id/cancel", handler: async (ctx) => json(200, await cancelJob(ctx.core, jobId(ctx))) },
  { method: "POST", pattern: "/v1/fine_tuning/jobs/:id/pause", handler: async (ctx) => json(200, await pauseJob(ctx.core, jobId(ctx))) },
  { method: "POST", pattern: "/v1/fine_tuning/jobs/:id/resume", handler: async (ctx) => json(200, await resumeJob(ctx.core, jobId(ctx))) },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id/events",
    handler: async (ctx) => json(200, await listEvents(ctx.core, jobId(ctx), ctx.query)),
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id/checkpoints",
    handler: async (ctx) => json(200, await listCheckpoints(ctx.core, jobId(ctx), ctx.query)),
  },
];

// The OpenAI REST routes the fine-tuning flow uses (under /v1).
import { deleteFile, fileJson, getFile, listFiles, uploadFile } from "./files";
import { ApiError, json, parseJsonBody } from "./http";
import { parseJobSpec } from "./job-params";
import { cancelJob, createJob, getJob, jobJson } from "./jobs";
import { listEvents, listJobs, parseLimit } from "./lists";
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
  return json(200, fileJson(uploadFile(ctx.state, file.name || "upload", purpose, content)));
}

function getFiles(ctx: Ctx) {
  const order = ctx.query.get("order") === "asc" ? "asc" : "desc";
  const opts = { purpose: ctx.query.get("purpose"), after: ctx.query.get("after"), limit: parseLimit(ctx.query, 10_000, 10_000), order } as const;
  return json(200, listFiles(ctx.state, opts));
}

export const apiRoutes: readonly Route[] = [
  { method: "POST", pattern: "/v1/files", handler: createFile },
  { method: "GET", pattern: "/v1/files", handler: getFiles },
  { method: "GET", pattern: "/v1/files/:id", handler: (ctx) => json(200, fileJson(getFile(ctx.state, param(ctx, "id")))) },
  { method: "DELETE", pattern: "/v1/files/:id", handler: (ctx) => json(200, deleteFile(ctx.state, param(ctx, "id"))) },
  {
    method: "GET",
    pattern: "/v1/files/:id/content",
    handler: (ctx) => ({ status: 200, body: null, raw: getFile(ctx.state, param(ctx, "id")).content }),
  },
  {
    method: "POST",
    pattern: "/v1/fine_tuning/jobs",
    handler: (ctx) => json(200, jobJson(createJob(ctx.state, parseJobSpec(parseJsonBody(ctx.body))))),
  },
  { method: "GET", pattern: "/v1/fine_tuning/jobs", handler: (ctx) => json(200, listJobs(ctx.state, ctx.query)) },
  { method: "GET", pattern: "/v1/fine_tuning/jobs/:id", handler: (ctx) => json(200, jobJson(getJob(ctx.state, param(ctx, "id")))) },
  {
    method: "POST",
    pattern: "/v1/fine_tuning/jobs/:id/cancel",
    handler: (ctx) => json(200, jobJson(cancelJob(ctx.state, param(ctx, "id")))),
  },
  {
    method: "GET",
    pattern: "/v1/fine_tuning/jobs/:id/events",
    handler: (ctx) => json(200, listEvents(getJob(ctx.state, param(ctx, "id")), ctx.query)),
  },
];

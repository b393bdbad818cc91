// HTTP control API under /_sandbox/, a thin layer over the programmatic
// Sandbox object so tests in another process can steer the sandbox.
import { parseRule } from "./faults";
import { ApiError, json, parseJsonBody } from "./http";
import type { Ctx, Route } from "./router";
import { parseTimings, timingsJson } from "./timings";
import { LOSS_SHAPES, type FaultRule } from "./types";

function id(ctx: Ctx): string {
  const value = ctx.params["id"];
  if (value === undefined) throw new ApiError(500, "Route parameter id missing.", "server_error");
  return value;
}

function faultsReply(ctx: Ctx) {
  return json(200, { object: "list", data: ctx.sandbox.pendingFaults() });
}

/** Body: one rule, `{rules: [...]}`, or `{faults: [...]}`. */
function addFaults(ctx: Ctx) {
  const body = parseJsonBody(ctx.body);
  const list = body["rules"] ?? body["faults"];
  const raw: unknown[] = Array.isArray(list) ? list : [body];
  // Validate all first so a bad rule adds nothing.
  const rules: FaultRule[] = raw.map(parseRule);
  for (const rule of rules) ctx.sandbox.addFault(rule);
  return faultsReply(ctx);
}

function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ApiError(400, `'${key}' must be a string.`, "invalid_request_error", key);
  return value;
}

export const controlRoutes: readonly Route[] = [
  { method: "GET", pattern: "/_sandbox/faults", handler: faultsReply },
  { method: "POST", pattern: "/_sandbox/faults", handler: addFaults },
  {
    method: "DELETE",
    pattern: "/_sandbox/faults",
    handler: (ctx) => {
      ctx.sandbox.clearFaults();
      return faultsReply(ctx);
    },
  },
  { method: "GET", pattern: "/_sandbox/jobs", handler: async (ctx) => json(200, { object: "list", data: await ctx.sandbox.jobs() }) },
  { method: "GET", pattern: "/_sandbox/files", handler: async (ctx) => json(200, { object: "list", data: await ctx.sandbox.files() }) },
  { method: "GET", pattern: "/_sandbox/stats", handler: (ctx) => json(200, ctx.sandbox.stats()) },
  { method: "POST", pattern: "/_sandbox/jobs/:id/complete", handler: async (ctx) => json(200, await ctx.sandbox.completeJob(id(ctx))) },
  {
    method: "POST",
    pattern: "/_sandbox/jobs/:id/fail",
    handler: async (ctx) => {
      const body = parseJsonBody(ctx.body);
      return json(200, await ctx.sandbox.failJob(id(ctx), optionalText(body, "message"), optionalText(body, "code")));
    },
  },
  {
    method: "POST",
    pattern: "/_sandbox/jobs/:id/loss",
    handler: async (ctx) => {
      const shape = parseJsonBody(ctx.body)["shape"];
      const known = LOSS_SHAPES.find((s) => s === shape);
      if (!known) throw new ApiError(400, `Invalid 'shape': one of ${LOSS_SHAPES.join(", ")}.`, "invalid_request_error", "shape");
      return json(200, await ctx.sandbox.setLossShape(id(ctx), known));
    },
  },
  { method: "GET", pattern: "/_sandbox/config", handler: async (ctx) => json(200, timingsJson(await ctx.sandbox.timings())) },
  {
    method: "POST",
    pattern: "/_sandbox/config",
    handler: async (ctx) => {
      const body = parseJsonBody(ctx.body);
      // Accept the timings at the top level or under "timings".
      const timings = parseTimings(body["timings"] ?? body);
      return json(200, timingsJson(await ctx.sandbox.setTimings(timings)));
    },
  },
  {
    method: "POST",
    pattern: "/_sandbox/reset",
    handler: async (ctx) => {
      await ctx.sandbox.reset();
      return json(200, { ok: true });
    },
  },
];

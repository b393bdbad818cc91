import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, hasCredentials } from "../auth/caller";
import { db } from "../db";
import { env } from "../env";
import { provider } from "../provider";
import { headersOf } from "../http/node-request";
import { readiness, type Readiness } from "./readiness";

export const HEALTH_PATH = "/api/health";
export const READY_PATH = "/api/ready";

/** How long one run of the readiness checks answers every request (it costs four statements and a directory read). */
export const READY_CACHE_MS = 1_000;

const startedAt = Date.now();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

/** Readiness with when it was checked: the detail an admin or the metrics port sees. */
export type ReadinessDetail = Readiness & { checked_at: string };

type Cached = { at: number; result: Promise<ReadinessDetail> };
const globalForReady = globalThis as unknown as { controlRoomReadiness?: Cached };

/** The checks, run at most once per READY_CACHE_MS in this process however often they are asked. */
export function currentReadiness(): Promise<ReadinessDetail> {
  const cached = globalForReady.controlRoomReadiness;
  if (cached && Date.now() - cached.at < READY_CACHE_MS) return cached.result;
  const at = Date.now();
  const { OPENAI_BASE_URL, TOGETHER_BASE_URL } = env();
  const providerBaseUrls = { openai: OPENAI_BASE_URL, together: TOGETHER_BASE_URL };
  const result = readiness({ db: db(), provider: provider(), providerBaseUrls }).then((r): ReadinessDetail => ({
    ...r,
    checked_at: new Date(at).toISOString(),
  }));
  globalForReady.controlRoomReadiness = { at, result };
  return result;
}

/** Answers /api/ready: the detail when `detail`, else only whether the instance is ready. */
export function answerReadiness(res: ServerResponse, opts: { detail: boolean; draining: boolean }): void {
  if (opts.draining) return sendJson(res, 503, opts.detail ? { status: "not_ready", reason: "shutting down" } : { status: "not_ready" });
  currentReadiness()
    .then((result) => sendJson(res, result.status === "ready" ? 200 : 503, opts.detail ? result : { status: result.status }))
    .catch((error: unknown) => {
      console.error("readiness check failed", error);
      sendJson(res, 503, opts.detail ? { status: "not_ready", reason: "the checks themselves failed" } : { status: "not_ready" });
    });
}

// Which checks fail and why (worker counts, provider mode, migrations) is for
// operators: an admin's credentials, or the metrics port. Anyone else learns
// only ready or not; credentials that are not an admin's are no error here.
async function isAdmin(req: IncomingMessage): Promise<boolean> {
  const headers = headersOf(req);
  if (!hasCredentials(headers)) return false;
  const actor = await authenticate({ db: db(), headers }).catch(() => null);
  return actor?.kind === "system" || (actor !== null && actor.role === "admin");
}

/**
 * GET /api/health: the process is up (200, always, while it serves).
 * GET /api/ready: it can do its work (200, or 503; 503 also while it shuts
 * down, so a load balancer stops sending to it). JSON, no auth, no secrets;
 * the failing checks only for an admin (and on the metrics port).
 */
export function createHealthHandler(opts: { draining: () => boolean }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendJson(res, 405, { error: { code: "METHOD_NOT_SUPPORTED", message: "GET only" } });
    if (pathname === HEALTH_PATH) return sendJson(res, 200, { status: "ok", uptime_seconds: Math.round((Date.now() - startedAt) / 1000) });
    if (pathname !== READY_PATH) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "No such path" } });
    void isAdmin(req).then((detail) => answerReadiness(res, { detail, draining: opts.draining() }));
  };
}

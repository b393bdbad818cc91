import type { IncomingMessage, ServerResponse } from "node:http";
import { db } from "../db";
import { env } from "../env";
import { provider } from "../provider";
import { readiness } from "./readiness";

export const HEALTH_PATH = "/api/health";
export const READY_PATH = "/api/ready";

const startedAt = Date.now();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

/**
 * GET /api/health: the process is up (200, always, while it serves).
 * GET /api/ready: it can do its work (200, or 503 with the failing checks;
 * 503 also while it shuts down, so a load balancer stops sending to it).
 * JSON, no auth, no secrets.
 */
export function createHealthHandler(opts: { draining: () => boolean }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendJson(res, 405, { error: { code: "METHOD_NOT_SUPPORTED", message: "GET only" } });
    if (pathname === HEALTH_PATH) return sendJson(res, 200, { status: "ok", uptime_seconds: Math.round((Date.now() - startedAt) / 1000) });
    if (pathname !== READY_PATH) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "No such path" } });
    if (opts.draining()) return sendJson(res, 503, { status: "not_ready", reason: "shutting down" });
    readiness({ db: db(), provider: provider(), providerBaseUrl: env().OPENAI_BASE_URL })
      .then((result) => sendJson(res, result.status === "ready" ? 200 : 503, result))
      .catch((error: unknown) => {
        console.error("readiness check failed", error);
        sendJson(res, 503, { status: "not_ready", reason: "the checks themselves failed" });
      });
  };
}

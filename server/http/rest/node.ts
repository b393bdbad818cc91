import type { IncomingMessage, ServerResponse } from "node:http";
import { GENERIC_INTERNAL_MESSAGE } from "../../errors";
import { openApiDocument } from "../../openapi";
import { errorResponse, responseFromAppError, type RestResponse } from "./errors";
import { handleRestRequest } from "./handler";
import type { Actor } from "../../auth/actor";
import { authenticateBeforeBody } from "../../auth/caller";
import { AppError } from "../../errors";
import { db } from "../../db";
import { acceptsBody, bodyLimitFor } from "./request";
import { headersOf, originOf } from "../node-request";
import { readLimited, tooLargeMessage } from "../body";

/** The body as text; null when it is over the limit. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return null;
  return (await readLimited(req, limit))?.toString("utf8") ?? null;
}

function send(res: ServerResponse, response: RestResponse): void {
  if (res.headersSent) return void res.end();
  const length = response.body === null ? 0 : Buffer.byteLength(response.body, "utf8");
  res.writeHead(response.status, { ...response.headers, "content-length": String(length) });
  res.end(response.body ?? undefined);
}

async function serveRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers = headersOf(req);
  let actor: Actor | undefined;
  if (acceptsBody(method)) {
    // Credentials first, from the headers alone: nobody's body is read until they are good.
    try {
      actor = await authenticateBeforeBody({ db: db(), headers });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const response = responseFromAppError(error);
      return send(res, { ...response, headers: { ...response.headers, connection: "close" } });
    }
  }
  const limit = bodyLimitFor(url.pathname);
  const body = acceptsBody(method) ? await readBody(req, limit) : null;
  if (acceptsBody(method) && body === null) {
    const response = errorResponse("PAYLOAD_TOO_LARGE", tooLargeMessage(limit), { headers: { connection: "close" } });
    return send(res, response);
  }
  send(res, await handleRestRequest({ method, url, headers, body, requestOrigin: originOf(req), actor }));
}

function guarded(serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((error: unknown) => {
      console.error("REST request failed", error);
      send(res, errorResponse("INTERNAL_SERVER_ERROR", GENERIC_INTERNAL_MESSAGE));
    });
  };
}

/** REST v1 on Node's own HTTP stack, for the app server (server/http/mounts.ts). */
export const createRestNodeHandler = () => guarded(serveRest);

/** GET /api/openapi.json: public, like the reference page built from it. */
export const createOpenApiNodeHandler = () =>
  guarded(async (req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (pathname !== "/api/openapi.json") return send(res, errorResponse("NOT_FOUND", `There is no ${pathname}.`));
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, errorResponse("METHOD_NOT_ALLOWED", "The OpenAPI document is read with GET.", { headers: { allow: "GET, HEAD" } }));
    }
    send(res, {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" },
      body: JSON.stringify(openApiDocument()),
    });
    await Promise.resolve();
  });

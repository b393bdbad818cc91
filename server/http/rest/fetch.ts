import { openApiDocument } from "../../openapi";
import type { Actor } from "../../auth/actor";
import { authenticateBeforeBody } from "../../auth/caller";
import { AppError } from "../../errors";
import { db } from "../../db";
import { errorResponse, responseFromAppError, type RestResponse } from "./errors";
import { handleRestRequest } from "./handler";
import { acceptsBody, bodyLimitFor } from "./request";
import { readLimited, tooLargeMessage } from "../body";

function toResponse(response: RestResponse, method: string): Response {
  return new Response(method === "HEAD" ? null : response.body, { status: response.status, headers: response.headers });
}

/** REST v1 and the hosted Dataherald paths for Next's route handlers (app/api/v1, app/api/finetunings), when Next runs on its own. */
export async function handleRestFetch(req: Request): Promise<Response> {
  let body: string | null = null;
  const url = new URL(req.url);
  let actor: Actor | undefined;
  if (acceptsBody(req.method)) {
    // Credentials first, from the headers alone; then the body, within its limit.
    try {
      actor = await authenticateBeforeBody({ db: db(), headers: req.headers });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return toResponse(responseFromAppError(error), req.method);
    }
    const limit = bodyLimitFor(url.pathname);
    const buffered =
      Number(req.headers.get("content-length") ?? 0) > limit
        ? null
        : await readLimited(req.body as AsyncIterable<Uint8Array> | null, limit);
    if (buffered === null)
      return toResponse(errorResponse("PAYLOAD_TOO_LARGE", tooLargeMessage(limit), { headers: { connection: "close" } }), req.method);
    body = buffered.toString("utf8");
  }
  return toResponse(
    await handleRestRequest({ method: req.method, url, headers: req.headers, body, requestOrigin: url.origin, actor }),
    req.method,
  );
}

export function openApiResponse(): Response {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}

/** Any other /api/* path (app/api/[[...path]]/route.ts): the one error shape, never the web app's HTML 404 page. */
export function unknownApiPathResponse(req: Request): Response {
  const { pathname } = new URL(req.url);
  const method = req.method === "HEAD" ? "GET" : req.method;
  return toResponse(
    errorResponse("NOT_FOUND", `There is no ${method} ${pathname}; the API is described at /api/openapi.json.`),
    req.method,
  );
}

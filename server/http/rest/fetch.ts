import { openApiDocument } from "../../openapi";
import { errorResponse, type RestResponse } from "./errors";
import { handleRestRequest } from "./handler";
import { MAX_BODY_BYTES } from "./constants";
import { acceptsBody } from "./request";

function toResponse(response: RestResponse, method: string): Response {
  return new Response(method === "HEAD" ? null : response.body, { status: response.status, headers: response.headers });
}

/** REST v1 for Next's route handler (app/api/v1/[...path]/route.ts), when Next runs on its own. */
export async function handleRestFetch(req: Request): Promise<Response> {
  let body: string | null = null;
  if (acceptsBody(req.method)) {
    body = await req.text();
    if (Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) return toResponse(errorResponse("PAYLOAD_TOO_LARGE", "The body is too large."), req.method);
  }
  const url = new URL(req.url);
  return toResponse(await handleRestRequest({ method: req.method, url, headers: req.headers, body, requestOrigin: url.origin }), req.method);
}

export function openApiResponse(): Response {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}

/** Any other /api/* path (app/api/[[...path]]/route.ts): the one error shape, never the web app's HTML 404 page. */
export function unknownApiPathResponse(req: Request): Response {
  const { pathname } = new URL(req.url);
  const method = req.method === "HEAD" ? "GET" : req.method;
  return toResponse(errorResponse("NOT_FOUND", `There is no ${method} ${pathname}; the API is described at /api/openapi.json.`), req.method);
}

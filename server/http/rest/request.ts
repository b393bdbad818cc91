import { AppError } from "../../errors";
import { MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES } from "../body";
import type { RestRoute } from "./routes";

export type JsonObject = Record<string, unknown>;

/** How large a body the path may carry. */
export function bodyLimitFor(pathname: string): number {
  return pathname.endsWith("/golden-records/import") ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES;
}

export function acceptsBody(method: string): boolean {
  return method === "POST" || method === "PUT" || method === "PATCH";
}

function isJsonMediaType(contentType: string | null): boolean {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || /^application\/[\w.-]+\+json$/.test(mediaType);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The request's JSON body, checked before any procedure runs: JSON (415
 * otherwise), well-formed (400), an object (400), and agreeing with the path
 * (the path's id wins; a different one in the body is a 400). An empty body
 * is `{}`; GET and DELETE take no body.
 */
export function readJsonBody(args: {
  route: RestRoute;
  params: Record<string, string>;
  contentType: string | null;
  text: string | null;
}): JsonObject | undefined {
  const { route, params, contentType, text } = args;
  if (!acceptsBody(route.method)) return undefined;
  if (text === null || text.trim() === "") return {};
  if (!isJsonMediaType(contentType)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as application/json${contentType ? ` (got ${contentType})` : ""}.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `The request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("BAD_REQUEST", "The request body must be a JSON object.");
  }
  const object = body as JsonObject;
  for (const name of route.pathParams) {
    if (!Object.hasOwn(object, name)) continue;
    const inPath = safeDecode(params[name] ?? "");
    if (object[name] !== inPath) {
      throw new AppError(
        "BAD_REQUEST",
        `${name}: the body says ${JSON.stringify(object[name])} but the path says ${JSON.stringify(inPath)}; send one id, or the same one.`,
        {
          field: name,
        },
      );
    }
  }
  return object;
}

/** What makes two requests "the same" for Idempotency-Key: route and effective input, key order aside. */
export function requestFingerprint(route: RestRoute, params: Record<string, string>, body: JsonObject | undefined): string {
  const decoded = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, safeDecode(v)]));
  return `${route.method} ${route.template}\n${canonicalJson({ ...body, ...decoded })}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

import { forEachOpenApiProcedure, generateOpenApiDocument, normalizePath, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import { ERROR_HTTP_STATUS, type AppErrorCode } from "./errors";
import { dbConnectionSchema } from "./connections/schema";
import { finetuningJobSchema, jobEventSchema } from "./finetuning/schema";
import { goldenRecordSchema } from "./golden-records/schema";
import { REST_BASE_PATH } from "./http/rest/constants";
import { shapeForRest } from "./http/rest/openapi-shapes";
import { collectRoutes } from "./http/rest/routes";
import { appRouter } from "./trpc/root";

// The OpenAPI 3.1 document of the REST API, generated from the tRPC procedures'
// meta and zod schemas, then adjusted where the REST layer (server/http/rest)
// differs from what trpc-to-openapi assumes: our error envelope, 201 on
// creation, Idempotency-Key, cancel's optional body id, the X-API-Key header,
// and the engine-docs answers and hosted Dataherald paths (http/rest/openapi-shapes).

export const API_VERSION = "1.0.0";

const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_HTTP_STATUS) as [AppErrorCode]).meta({ description: "Stable, machine-readable" }),
      message: z.string().meta({ description: "What went wrong, for people" }),
      field: z.string().optional().meta({ description: "The input field at fault, when there is one" }),
    }),
  })
  .meta({ example: { error: { code: "NOT_FOUND", message: "Fine-tuning job 0190… not found." } } });

const COMMON_ERRORS: Record<number, string> = {
  400: "Malformed input: bad JSON, a wrong type, a field out of range (the message names the field)",
  401: "No credentials, or an API key that is not valid, expired or revoked",
  403: "The caller's role may not do this",
  429: "Rate limit reached; retry after the `Retry-After` header's seconds",
  500: "Unexpected failure; it has been logged",
  503: "The database is unavailable for a moment; retry",
};
const BODY_ERRORS: Record<number, string> = {
  413: "The body is larger than the operation accepts (1 MiB; more for an import)",
  415: "The body is not `application/json`",
};
const NOT_FOUND = "No such resource (the message names it)";
// What the REST layer reads a body for (server/http/rest/request.ts, acceptsBody): each may answer 413.
const BODY_METHODS = new Set(["post", "put", "patch"]);

// Only 429 answers carry rate-limit information: Retry-After (server/http/rest/errors.ts).
// The rate limits' windows are a minute; an hour bounds every wait the server asks for.
const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait", schema: { type: "integer", format: "int32", minimum: 1, maximum: 3600 } },
};

// No CORS is served: the API sends no Access-Control-* header, so a browser
// calls it only from this server's own pages; scripts and services call it directly.
const CORS_POLICY =
  "CORS: none. No answer carries `Access-Control-Allow-Origin` (or any other CORS header), so browsers refuse cross-origin calls; call the API from this server's own pages, or from a server or script.";
const IDEMPOTENT_ERRORS: Record<number, string> = {
  409: "A request with this Idempotency-Key is still running",
  422: "This Idempotency-Key was used with a different request",
};

const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Any unique string (≤ 255 characters). Repeating the request with the same key and body replays the first response for 24 hours.",
  schema: { type: "string", maxLength: 255 },
} as const;

type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: unknown; headers?: unknown }>;
};

let cached: OpenAPIObject | undefined;

/** The document, built once per process. */
export function openApiDocument(): OpenAPIObject {
  cached ??= buildDocument();
  return cached;
}

function buildDocument(): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    title: "Fine-tuning control room API",
    description:
      'Fine-tuning jobs for NL-to-SQL models, Dataherald-compatible: /api/v1 answers as Dataherald\'s engine docs say, and the hosted /api/finetunings paths answer its SDK. Send `Authorization: Bearer <api key>` or `X-API-Key: <api key>` on every request. Errors are `{ "error": { "code", "message" } }` with the HTTP status of their code.',
    version: API_VERSION,
    baseUrl: REST_BASE_PATH,
    tags: ["Fine-tuning jobs", "Database connections", "Golden records"],
    securitySchemes: {
      bearerAuth: { type: "http", scheme: "bearer", description: "An API key made by an admin." },
      apiKeyAuth: { type: "apiKey", in: "header", name: "X-API-Key", description: "The same API key, as Dataherald's clients send it." },
    },
    defs: {
      FinetuningJob: finetuningJobSchema,
      JobEvent: jobEventSchema,
      DatabaseConnection: dbConnectionSchema,
      GoldenRecord: goldenRecordSchema,
      Error: errorSchema,
    },
  });
  const errorRef = { $ref: "#/components/schemas/Error" };
  // trpc-to-openapi's own error shapes: our envelope replaces them below.
  const schemas = doc.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (name.startsWith("error.")) delete schemas[name];

  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item as Record<string, Operation>)) {
      const meta = metaAt(method, path);
      adjustOperation(value, {
        method,
        path,
        successStatus: meta?.successStatus ?? 200,
        specific: meta?.openapi?.errorResponses ?? {},
        errorRef,
      });
    }
  }
  shapeForRest(doc, collectRoutes(appRouter));
  declareFormatLimits(doc);
  doc.info.description = `${doc.info.description ?? ""}\n\n${CORS_POLICY}`;
  Object.assign(doc.info, { "x-cors": { allowed_origins: [] } });
  return doc;
}

const UUID_LENGTH = 36;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

// Limits that follow from a schema's own type, stated where zod's JSON Schema
// leaves them out: a UUID is 36 characters, and an integer's range says
// whether it fits 32 bits. The zod schemas give every other limit.
function declareFormatLimits(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(declareFormatLimits);
  if (value === null || typeof value !== "object") return;
  const schema = value as Record<string, unknown>;
  if (schema.type === "string" && schema.format === "uuid" && schema.maxLength === undefined) schema.maxLength = UUID_LENGTH;
  if (schema.type === "integer" && schema.format === undefined) {
    const fits = (n: unknown) => typeof n === "number" && n >= INT32.min && n <= INT32.max;
    schema.format = fits(schema.minimum ?? schema.exclusiveMinimum) && fits(schema.maximum ?? schema.exclusiveMaximum) ? "int32" : "int64";
  }
  Object.values(schema).forEach(declareFormatLimits);
}

type Meta = { openapi?: { method: string; path: string; errorResponses?: number[] | Record<number, string> }; successStatus?: number };

function metaAt(method: string, path: string): Meta | undefined {
  let found: Meta | undefined;
  forEachOpenApiProcedure(appRouter._def.procedures, ({ meta }) => {
    const candidate = meta as Meta;
    if (candidate.openapi?.method.toLowerCase() === method && normalizePath(candidate.openapi.path) === path) found = candidate;
  });
  return found;
}

type AdjustContext = { method: string; path: string; successStatus: number; specific: number[] | Record<number, string>; errorRef: object };

function adjustOperation(op: Operation, ctx: AdjustContext): void {
  const specific: Record<string, string> = Array.isArray(ctx.specific)
    ? Object.fromEntries(ctx.specific.map((status) => [String(status), op.responses[String(status)]?.description ?? "Error"]))
    : Object.fromEntries(Object.entries(ctx.specific));
  const success = op.responses["200"];
  const errors: Record<string, string> = { ...COMMON_ERRORS, ...specific };
  const takesInput = op.requestBody !== undefined || (op.parameters ?? []).length > 0;
  if (!takesInput && ctx.method === "get") delete errors["400"];
  if (op.requestBody || BODY_METHODS.has(ctx.method)) Object.assign(errors, BODY_ERRORS);
  if (ctx.path.includes("{") && !errors["404"]) errors["404"] = NOT_FOUND;
  if (ctx.method === "post") {
    Object.assign(errors, IDEMPOTENT_ERRORS, specific);
    op.parameters = [...(op.parameters ?? []), idempotencyKeyParameter];
  }
  op.security = [{ bearerAuth: [] }, { apiKeyAuth: [] }];
  op.responses = {};
  if (success)
    op.responses[String(ctx.successStatus)] = { ...success, description: ctx.successStatus === 201 ? "Created" : success.description };
  for (const [status, description] of Object.entries(errors).sort(([a], [b]) => Number(a) - Number(b))) {
    op.responses[status] = {
      description,
      content: { "application/json": { schema: ctx.errorRef } },
      ...(status === "429" ? { headers: RETRY_AFTER } : {}),
    };
  }
  if (ctx.path.endsWith("/{finetuning_id}/cancel")) allowBodyId(op);
}

// The seed's cancel request repeats the job id in the body; the REST layer
// accepts it when it equals the path's (server/http/rest/request.ts).
function allowBodyId(op: Operation): void {
  const content = op.requestBody?.content["application/json"];
  if (!content) return;
  const schema = content.schema as { properties?: Record<string, unknown> };
  schema.properties = {
    finetuning_id: {
      type: "string",
      format: "uuid",
      maxLength: UUID_LENGTH,
      description: "Optional; when present it must equal the path's `finetuning_id` (else 400).",
    },
    ...schema.properties,
  };
  (op.requestBody as { required?: boolean }).required = false;
}

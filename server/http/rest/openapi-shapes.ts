import type { OpenAPIObject } from "trpc-to-openapi";
import { HOSTED_BASE_PATH, HOSTED_PROCEDURES } from "./dataherald";
import { answersStatusOnly } from "./engine-answers";
import type { RestRoute } from "./routes";
import { REST_BASE_PATH } from "./constants";

// What the REST layer answers differently from the procedures, told to the
// OpenAPI document trpc-to-openapi generates from them: lists are arrays with
// the next page in headers, a job's delete answers `{ status: true }`, model
// parameters are strings, and the hosted Dataherald paths (golden_sqls) sit
// beside /api/v1 under one server.

export const DATAHERALD_TAG = "Dataherald compatibility";

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }>; headers?: Json }>;
};

const PAGE_HEADERS = {
  Link: { description: 'The next page, when there is one (RFC 8288): `<…&cursor=…>; rel="next"`', schema: { type: "string" } },
  "X-Next-Cursor": { description: "The next page's `cursor`, when there is one", schema: { type: "string" } },
};

const JOB_REF = "#/components/schemas/FinetuningJob";
const HOSTED_JOB_REF = "#/components/schemas/DataheraldFinetuningJob";

/** Applies the REST layer's answers and adds the hosted paths; `routes` are the REST layer's own. */
export function shapeForRest(doc: OpenAPIObject, routes: RestRoute[]): void {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Json>;
  schemas.Deleted = {
    type: "object",
    properties: { status: { type: "boolean", const: true } },
    required: ["status"],
    additionalProperties: false,
  };
  for (const route of routes) {
    const op = paths[route.template]?.[route.method.toLowerCase()];
    if (!op) continue;
    const success = op.responses[String(route.successStatus)];
    const content = success?.content?.["application/json"];
    if (route.paged && success && content) {
      content.schema = { type: "array", items: (content.schema.properties as Record<string, Json> | undefined)?.items?.items ?? {} };
      success.headers = PAGE_HEADERS;
      success.description = "One page (see `limit`); the next one is linked in the headers";
    }
    if (answersStatusOnly(route) && success && content) {
      content.schema = { $ref: "#/components/schemas/Deleted" };
      success.description = "Deleted, as Dataherald's engine docs answer; the job stays readable through GET and its events";
    }
  }

  const hosted: Record<string, Record<string, Operation>> = {};
  for (const route of routes.filter((r) => HOSTED_PROCEDURES.has(r.procedurePath))) {
    const op = paths[route.template]?.[route.method.toLowerCase()];
    if (!op) continue;
    (hosted[route.template] ??= {})[route.method.toLowerCase()] = hostedOperation(op);
  }
  const job = schemas.FinetuningJob;
  if (job) {
    stringParametersSchema(job);
    schemas.DataheraldFinetuningJob = hostedJobSchema(job);
  }

  // One server, `/api`, so that /api/v1/… and the hosted /api/… can both be listed.
  // x-internal: false says who it is for (everyone holding an API key), as inventories ask.
  doc.servers = [
    {
      url: HOSTED_BASE_PATH,
      description: "This server: production, staging or local alike (the document describes whichever serves it)",
      "x-internal": false,
    },
  ];
  const v1Prefix = REST_BASE_PATH.slice(HOSTED_BASE_PATH.length);
  doc.paths = {
    ...Object.fromEntries(Object.entries(paths).map(([path, item]) => [`${v1Prefix}${path}`, item])),
    ...hosted,
  };
  doc.tags = [
    ...(doc.tags ?? []),
    {
      name: DATAHERALD_TAG,
      description:
        "The hosted paths Dataherald's SDK (dataherald-python) calls, answered by the same operations as /api/v1: set `DATAHERALD_BASE_URL` to this server and `DATAHERALD_API_KEY` to an API key. Golden record ids are `golden_sqls`.",
    },
  ];
}

function hostedOperation(v1: Operation): Operation {
  const op = structuredClone(v1);
  op.operationId = `dataherald-${op.operationId ?? ""}`;
  op.tags = [DATAHERALD_TAG];
  op.summary = `${op.summary ?? ""} (Dataherald SDK)`;
  const body = op.requestBody?.content["application/json"]?.schema;
  const properties = body?.properties as Record<string, Json> | undefined;
  if (properties?.golden_records) {
    const { golden_records: ids, ...rest } = properties;
    body!.properties = {
      ...rest,
      golden_sqls: {
        ...ids,
        description: "The golden record ids to train on (all of the connection's when absent); `golden_records` is accepted too",
      },
    };
  }
  return replaceRefs(op, JOB_REF, HOSTED_JOB_REF) as Operation;
}

/** REST answers model parameters as strings (engine-answers.ts). */
function stringParametersSchema(job: Json): void {
  const baseLlm = (job.properties as Record<string, { properties?: Record<string, Json> }> | undefined)?.base_llm;
  if (baseLlm?.properties?.model_parameters)
    baseLlm.properties.model_parameters = { anyOf: [{ type: "object", additionalProperties: { type: "string" } }, { type: "null" }] };
}

function hostedJobSchema(job: Json): Json {
  const schema = structuredClone(job);
  const { golden_records: ids, ...rest } = schema.properties as Record<string, Json>;
  schema.properties = { ...rest, golden_sqls: ids ?? { type: "array", items: { type: "string" } } };
  schema.required = ((schema.required ?? []) as string[]).map((name) => (name === "golden_records" ? "golden_sqls" : name));
  return schema;
}

function replaceRefs(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((v) => replaceRefs(v, from, to));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "$ref" && v === from ? to : replaceRefs(v, from, to)]));
}

import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as nextOpenApiRoute } from "../../app/api/openapi.json/route";
import { JOB_STATUSES } from "../../server/finetuning/schema";
import { openApiDocument } from "../../server/openapi";
import { startRestServer, type JsonBody, type RestServer } from "../helpers/rest";

let api: RestServer;
beforeAll(async () => {
  api = await startRestServer();
});
afterAll(async () => {
  await api.close();
});

type Json = Record<string, JsonBody>;

// The contract's table, plus connections, golden records and the event log,
// under /api/v1; then the hosted paths Dataherald's SDK calls, under /api.
const ENDPOINTS = [
  ["post", "/v1/finetunings", "201"],
  ["get", "/v1/finetunings", "200"],
  ["get", "/v1/finetunings/{finetuning_id}", "200"],
  ["put", "/v1/finetunings/{finetuning_id}", "200"],
  ["delete", "/v1/finetunings/{finetuning_id}", "200"],
  ["post", "/v1/finetunings/{finetuning_id}/cancel", "200"],
  ["get", "/v1/finetunings/{finetuning_id}/events", "200"],
  ["post", "/v1/database-connections", "201"],
  ["get", "/v1/database-connections", "200"],
  ["post", "/v1/golden-records", "201"],
  ["get", "/v1/golden-records", "200"],
  ["post", "/v1/golden-records/import", "200"],
] as const;
const HOSTED_ENDPOINTS = [
  ["post", "/finetunings", "201"],
  ["get", "/finetunings", "200"],
  ["get", "/finetunings/{finetuning_id}", "200"],
  ["post", "/finetunings/{finetuning_id}/cancel", "200"],
] as const;

const JOB_FIELDS = [
  "id",
  "alias",
  "db_connection_id",
  "status",
  "error",
  "base_llm",
  "finetuning_file_id",
  "finetuning_job_id",
  "model_id",
  "created_at",
  "golden_records",
  "metadata",
];
const JSON_TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const HTTP_METHODS = new Set(["get", "put", "post", "delete", "patch", "options", "head", "trace"]);

function resolve(doc: Json, ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
}

/** A structural check of JSON Schema 2020-12 as OpenAPI 3.1 uses it: refs resolve, types are real, required names exist. */
function checkSchema(doc: Json, schema: unknown, where: string): void {
  expect(typeof schema === "object" && schema !== null, `${where} is a schema object`).toBe(true);
  const s = schema as Json;
  if (typeof s.$ref === "string") {
    expect(resolve(doc, s.$ref), `${where}: ${s.$ref} resolves`).toBeTypeOf("object");
    return;
  }
  for (const type of [s.type ?? []].flat()) expect(JSON_TYPES.has(type as string), `${where}: type ${String(type)}`).toBe(true);
  if (s.required) {
    expect(Array.isArray(s.required)).toBe(true);
    for (const name of s.required as string[]) expect(s.properties, `${where}: required ${name} is a property`).toHaveProperty(name);
  }
  for (const [name, sub] of Object.entries((s.properties ?? {}) as Json)) checkSchema(doc, sub, `${where}.${name}`);
  for (const key of ["items", "additionalProperties", "propertyNames", "not"])
    if (typeof s[key] === "object") checkSchema(doc, s[key], `${where}/${key}`);
  for (const key of ["anyOf", "oneOf", "allOf"])
    for (const [i, sub] of ((s[key] ?? []) as unknown[]).entries()) checkSchema(doc, sub, `${where}/${key}/${i}`);
  if (s.enum) expect(Array.isArray(s.enum) && s.enum.length > 0).toBe(true);
}

function checkDocument(doc: Json): void {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  expect(doc.servers).toMatchObject([{ url: "/api" }]);
  expect(doc.components.securitySchemes).toEqual({
    bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
    apiKeyAuth: expect.objectContaining({ type: "apiKey", in: "header", name: "X-API-Key" }),
  });
  for (const [name, schema] of Object.entries(doc.components.schemas as Json)) checkSchema(doc, schema, `#/components/schemas/${name}`);

  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    expect(path.startsWith("/")).toBe(true);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item as Json)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(HTTP_METHODS.has(method), where).toBe(true);
      expect(operationIds.has(op.operationId as string), `${where}: unique operationId`).toBe(false);
      operationIds.add(op.operationId as string);
      expect(op.summary, `${where}: summary`).toEqual(expect.any(String));
      expect(op.tags, `${where}: tags`).toHaveLength(1);
      expect(op.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
      for (const p of (op.parameters ?? []) as Json[]) {
        expect(["path", "query", "header", "cookie"]).toContain(p.in);
        checkSchema(doc, p.schema, `${where} parameter ${p.name}`);
        if (p.in === "path") expect(p.required, `${where}: path parameter ${p.name} required`).toBe(true);
      }
      for (const name of templated)
        expect(
          (op.parameters as Json[]).some((p) => p.in === "path" && p.name === name),
          `${where}: declares {${name}}`,
        ).toBe(true);
      if (op.requestBody) checkSchema(doc, op.requestBody.content["application/json"].schema, `${where} body`);
      const statuses = Object.keys(op.responses as Json);
      expect(
        statuses.filter((s) => s.startsWith("2")),
        `${where}: one success`,
      ).toHaveLength(1);
      for (const status of statuses) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        const response = op.responses[status] as Json;
        expect(response.description, `${where} ${status}: description`).toEqual(expect.any(String));
        const schema = response.content["application/json"].schema;
        checkSchema(doc, schema, `${where} ${status}`);
        if (!status.startsWith("2")) expect(schema).toEqual({ $ref: "#/components/schemas/Error" });
      }
      for (const status of ["401", "403", "429", "500"]) expect(statuses, `${where}: ${status}`).toContain(status);
      if (op.requestBody || op.parameters?.length) expect(statuses, `${where}: 400`).toContain("400");
      expect(op.responses["429"].headers).toHaveProperty("Retry-After");
    }
  }
}

describe("the OpenAPI document", () => {
  it("is served at /api/openapi.json, publicly, and is structurally valid OpenAPI 3.1", async () => {
    const response = await fetch(`${api.origin}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await response.json()) as Json;
    checkDocument(doc);
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("lists every endpoint with its success status and schemas", () => {
    const doc = openApiDocument() as Json;
    const listed = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.keys(item as Json).map((method) => `${method} ${path}`),
    );
    expect(listed).toEqual(expect.arrayContaining(ENDPOINTS.map(([method, path]) => `${method} ${path}`)));
    // Under /api, beside /v1, only what the SDK calls.
    expect(listed.filter((entry) => !entry.split(" ")[1]?.startsWith("/v1/")).sort()).toEqual(
      HOSTED_ENDPOINTS.map(([method, path]) => `${method} ${path}`).sort(),
    );
    for (const [method, path, success] of [...ENDPOINTS, ...HOSTED_ENDPOINTS]) {
      const op = doc.paths[path][method] as Json;
      expect(op.responses[success].content["application/json"].schema, `${method} ${path}`).toBeTypeOf("object");
      if (method === "post" || method === "put") expect(op.responses["415"]).toBeDefined();
      if (method === "post") expect((op.parameters as Json[]).map((p) => String(p.name))).toContain("Idempotency-Key");
    }
    const job = doc.components.schemas.FinetuningJob as Json;
    expect(job.required).toEqual(expect.arrayContaining(JOB_FIELDS));
    expect(job.properties.status.enum).toEqual([...JOB_STATUSES]);
  });

  it("documents cancel as the seed does: an optional body with finetuning_id and metadata, and its error rows", () => {
    const doc = openApiDocument() as Json;
    const cancel = doc.paths["/v1/finetunings/{finetuning_id}/cancel"].post as Json;
    expect(cancel.requestBody.required).toBe(false);
    expect(Object.keys(cancel.requestBody.content["application/json"].schema.properties as Json)).toEqual(["finetuning_id", "metadata"]);
    expect(cancel.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/FinetuningJob" });
    expect(Object.keys(cancel.responses as Json)).toEqual(expect.arrayContaining(["404", "409", "502", "422"]));
    const errorCodes = doc.components.schemas.Error.properties.error.properties.code.enum as string[];
    expect(errorCodes).toEqual(
      expect.arrayContaining([
        "NOT_FOUND",
        "CONFLICT",
        "BAD_GATEWAY",
        "TOO_MANY_REQUESTS",
        "UNSUPPORTED_MEDIA_TYPE",
        "UNPROCESSABLE_CONTENT",
      ]),
    );
  });

  it("documents lists as arrays with the next page in Link and X-Next-Cursor, and a job's delete as { status: true }", () => {
    const doc = openApiDocument() as Json;
    for (const path of ["/v1/finetunings", "/v1/golden-records", "/finetunings"]) {
      const success = doc.paths[path].get.responses["200"] as Json;
      expect(success.content["application/json"].schema.type, path).toBe("array");
      expect(Object.keys(success.headers as Json), path).toEqual(["Link", "X-Next-Cursor"]);
    }
    expect(doc.paths["/v1/finetunings"].get.responses["200"].content["application/json"].schema.items).toEqual({
      $ref: "#/components/schemas/FinetuningJob",
    });
    expect(doc.paths["/v1/finetunings/{finetuning_id}"].delete.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Deleted",
    });
    expect(doc.components.schemas.Deleted).toMatchObject({ properties: { status: { type: "boolean" } }, required: ["status"] });
  });

  it("documents the hosted paths under the Dataherald compatibility tag, with golden_sqls and string model parameters", () => {
    const doc = openApiDocument() as Json;
    expect((doc.tags as { name: string }[]).map((t) => t.name)).toContain("Dataherald compatibility");
    for (const [method, path] of HOSTED_ENDPOINTS) {
      const op = doc.paths[path][method] as Json;
      expect(op.tags).toEqual(["Dataherald compatibility"]);
      expect(op.operationId).toBe(`dataherald-${doc.paths[`/v1${path}`][method].operationId as string}`);
      expect(JSON.stringify(op)).not.toContain('#/components/schemas/FinetuningJob"');
    }
    const create = doc.paths["/finetunings"].post as Json;
    const body = create.requestBody.content["application/json"].schema.properties as Json;
    expect(body).toHaveProperty("golden_sqls");
    expect(body).not.toHaveProperty("golden_records");
    expect(create.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/DataheraldFinetuningJob" });
    const job = doc.components.schemas.DataheraldFinetuningJob as Json;
    expect(job.required).toEqual(expect.arrayContaining(["id", "alias", "db_connection_id", "status", "golden_sqls"]));
    expect(job.properties).not.toHaveProperty("golden_records");
    for (const schema of [job, doc.components.schemas.FinetuningJob as Json]) {
      expect(schema.properties.base_llm.properties.model_parameters.anyOf[0]).toEqual({
        type: "object",
        additionalProperties: { type: "string" },
      });
    }
  });

  it("is the same document from Next's route handler", async () => {
    const response = nextOpenApiRoute();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});

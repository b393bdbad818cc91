import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as nextOpenApiRoute } from "../../app/api/openapi.json/route";
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

// The contract's table, plus connections, golden records and the event log.
const ENDPOINTS = [
  ["post", "/finetunings", "201"],
  ["get", "/finetunings", "200"],
  ["get", "/finetunings/{finetuning_id}", "200"],
  ["put", "/finetunings/{finetuning_id}", "200"],
  ["delete", "/finetunings/{finetuning_id}", "200"],
  ["post", "/finetunings/{finetuning_id}/cancel", "200"],
  ["get", "/finetunings/{finetuning_id}/events", "200"],
  ["post", "/database-connections", "201"],
  ["get", "/database-connections", "200"],
  ["post", "/golden-records", "201"],
  ["get", "/golden-records", "200"],
  ["post", "/golden-records/import", "200"],
] as const;

const JOB_FIELDS = ["id", "alias", "db_connection_id", "status", "error", "base_llm", "finetuning_file_id", "finetuning_job_id", "model_id", "created_at", "golden_records", "metadata"];
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
  for (const key of ["items", "additionalProperties", "propertyNames", "not"]) if (typeof s[key] === "object") checkSchema(doc, s[key], `${where}/${key}`);
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const [i, sub] of ((s[key] ?? []) as unknown[]).entries()) checkSchema(doc, sub, `${where}/${key}/${i}`);
  if (s.enum) expect(Array.isArray(s.enum) && s.enum.length > 0).toBe(true);
}

function checkDocument(doc: Json): void {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  expect(doc.servers).toEqual([{ url: "/api/v1" }]);
  expect(doc.components.securitySchemes).toEqual({ bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }) });
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
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      for (const p of (op.parameters ?? []) as Json[]) {
        expect(["path", "query", "header", "cookie"]).toContain(p.in);
        checkSchema(doc, p.schema, `${where} parameter ${p.name}`);
        if (p.in === "path") expect(p.required, `${where}: path parameter ${p.name} required`).toBe(true);
      }
      for (const name of templated) expect((op.parameters as Json[]).some((p) => p.in === "path" && p.name === name), `${where}: declares {${name}}`).toBe(true);
      if (op.requestBody) checkSchema(doc, op.requestBody.content["application/json"].schema, `${where} body`);
      const statuses = Object.keys(op.responses as Json);
      expect(statuses.filter((s) => s.startsWith("2")), `${where}: one success`).toHaveLength(1);
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
    const listed = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method} ${path}`));
    expect(listed.sort()).toEqual(ENDPOINTS.map(([method, path]) => `${method} ${path}`).sort());
    for (const [method, path, success] of ENDPOINTS) {
      const op = doc.paths[path][method] as Json;
      expect(op.responses[success].content["application/json"].schema, `${method} ${path}`).toBeTypeOf("object");
      if (method === "post" || method === "put") expect(op.responses["415"]).toBeDefined();
      if (method === "post") expect((op.parameters as Json[]).map((p) => String(p.name))).toContain("Idempotency-Key");
    }
    const job = doc.components.schemas.FinetuningJob as Json;
    expect(job.required).toEqual(expect.arrayContaining(JOB_FIELDS));
    expect(job.properties.status.enum).toEqual(["queued", "validating_files", "running", "succeeded", "failed", "cancelled"]);
  });

  it("documents cancel as the seed does: an optional body with finetuning_id and metadata, and its error rows", () => {
    const doc = openApiDocument() as Json;
    const cancel = doc.paths["/finetunings/{finetuning_id}/cancel"].post as Json;
    expect(cancel.requestBody.required).toBe(false);
    expect(Object.keys(cancel.requestBody.content["application/json"].schema.properties as Json)).toEqual(["finetuning_id", "metadata"]);
    expect(cancel.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/FinetuningJob" });
    expect(Object.keys(cancel.responses as Json)).toEqual(expect.arrayContaining(["404", "409", "502", "422"]));
    const errorCodes = doc.components.schemas.Error.properties.error.properties.code.enum as string[];
    expect(errorCodes).toEqual(expect.arrayContaining(["NOT_FOUND", "CONFLICT", "BAD_GATEWAY", "TOO_MANY_REQUESTS", "UNSUPPORTED_MEDIA_TYPE", "UNPROCESSABLE_CONTENT"]));
  });

  it("is the same document from Next's route handler", async () => {
    const response = nextOpenApiRoute();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});

import "../helpers/env";
import { describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { openApiDocument } from "../../server/openapi";
import { appRouter } from "../../server/trpc/root";
import { trpc, useSecureApp } from "./app";
import { rest } from "../helpers/rest";

// Every input of every procedure and REST operation gets NUL, then a lone
// surrogate, in each of its fields: the answer is a 400 naming the field,
// before any service (or Postgres) sees it — never a 5xx.

const app = useSecureApp({ keyRole: "admin" });

const BAD = { nul: "x\u0000y", surrogate: "x\ud800y" };

type ProcedureDef = { type: "query" | "mutation" | "subscription"; inputs: ZodType[] };

function fieldsOf(def: ProcedureDef): string[] {
  const schema = def.inputs[0] as { shape?: Record<string, unknown> } | undefined;
  return schema?.shape ? Object.keys(schema.shape) : ["input"];
}

describe("NUL and lone surrogates in every tRPC input field", () => {
  const procedures = Object.entries(
    (appRouter._def as unknown as { procedures: Record<string, { _def: ProcedureDef }> }).procedures,
  ).filter(([, p]) => p._def.type !== "subscription");

  it(`covers the procedures (${procedures.length})`, () => {
    expect(procedures.length).toBeGreaterThan(10);
  });

  it.each(procedures)("%s", async (path, procedure) => {
    const method = procedure._def.type === "query" ? "GET" : "POST";
    for (const field of fieldsOf(procedure._def)) {
      for (const [kind, value] of Object.entries(BAD)) {
        const input = field === "input" ? value : { [field]: value };
        const call = await trpc(app.origin, path, input, { method, headers: { authorization: `Bearer ${app.key}` } });
        expect(call.status, `${path} ${field} ${kind}`).toBe(400);
        if (field !== "input") expect(call.body.error.data.field, `${path} ${field} ${kind}`).toBe(field);
      }
    }
  });
});

type Operation = {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
};

describe("NUL and lone surrogates in every REST parameter and body field", () => {
  const operations: Array<[string, string, Operation]> = [];
  for (const [path, item] of Object.entries(openApiDocument().paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      if (["get", "post", "put", "patch", "delete"].includes(method)) operations.push([method.toUpperCase(), path, operation]);
    }
  }

  it.each(operations)("%s %s", async (method, template, operation) => {
    const pathParams = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
    const queryParams = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    const bodyFields = Object.keys(operation.requestBody?.content?.["application/json"]?.schema?.properties ?? {});
    const fill = (bad?: string, value?: string) =>
      template.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(name === bad ? value! : "0190b6c4-0000-7000-8000-000000000000"),
      );
    const cases: Array<{ field: string; path: string; json?: unknown }> = [];
    // A lone surrogate has no UTF-8 form, so it can only travel in a JSON body; NUL goes everywhere.
    for (const name of pathParams) cases.push({ field: name, path: `/api${fill(name, BAD.nul)}` });
    for (const name of queryParams) cases.push({ field: name, path: `/api${fill()}?${name}=${encodeURIComponent(BAD.nul)}` });
    for (const value of Object.values(BAD)) {
      for (const name of bodyFields) cases.push({ field: name, path: `/api${fill()}`, json: { [name]: value } });
    }
    for (const c of cases) {
      const json = c.json ?? (["POST", "PUT", "PATCH"].includes(method) ? {} : undefined);
      const call = await rest(app.origin, method, c.path, { key: app.key, json });
      const context = `${method} ${c.path} ${JSON.stringify(c.json ?? "")} → ${call.status} ${call.text.slice(0, 200)}`;
      if (c.path.includes("%00") && pathParams.includes(c.field) && !c.path.includes("?")) {
        // Path segments reach the procedure still percent-encoded ("x%00y", no NUL): a 400 or a 404, never a 5xx.
        expect([400, 404], context).toContain(call.status);
        continue;
      }
      expect(call.status, context).toBe(400);
      expect(call.body.error.field, context).toBe(c.field);
    }
  });
});

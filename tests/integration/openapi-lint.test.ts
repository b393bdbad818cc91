import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Document, Spectral } from "@stoplight/spectral-core";
import { Json } from "@stoplight/spectral-parsers";
import { DiagnosticSeverity } from "@stoplight/types";
import { openApiDocument } from "../../server/openapi";
import { stopQueue } from "../../server/worker/queue";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";
import { openApiRuleset } from "../openapi-ruleset";

type Operation = {
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }>; headers?: Record<string, unknown> }>;
};
const operations = () =>
  Object.entries(openApiDocument().paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ path, method, op })),
  );

let api: RestServer;
let admin: string;
beforeAll(async () => {
  api = await startRestServer();
  admin = await apiKey("admin", "openapi-lint-admin");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

describe("the OpenAPI document", () => {
  it("has no errors under Spectral: spectral:oas and OWASP API Security (tests/openapi-ruleset.ts)", async () => {
    const spectral = new Spectral();
    spectral.setRuleset(openApiRuleset);
    const results = await spectral.run(new Document(JSON.stringify(openApiDocument(), null, 2), Json, "openapi.json"));
    const errors = results.filter((r) => r.severity === DiagnosticSeverity.Error).map((r) => `${r.code} ${r.path.join(".")}: ${r.message}`);
    expect(errors).toEqual([]);
  });

  it("declares 413 where a body is read, 404 where a path names something, 429 with Retry-After and 5xx everywhere, all in the error schema", () => {
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(op.responses);
      for (const status of ["401", "403", "429", "500", "503"]) expect(statuses, where).toContain(status);
      if (["post", "put", "patch"].includes(method)) expect(statuses, where).toContain("413");
      if (path.includes("{")) expect(statuses, where).toContain("404");
      expect(op.responses["429"]?.headers, where).toHaveProperty("Retry-After");
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(op.responses[status]?.content?.["application/json"]?.schema.$ref, `${where} ${status}`).toBe("#/components/schemas/Error");
      }
    }
  });

  it("declares every status the operations answer to no credentials, a 3 MB body, an unknown id and an empty body", async () => {
    const undeclared: string[] = [];
    const seen = new Set<number>();
    const big = JSON.stringify({ text: "x".repeat(3 * 1024 * 1024) });
    for (const { path, method, op } of operations()) {
      const url = path.replace(/\{[^}]+\}/g, () => randomUUID());
      const attempts: { key?: string; body?: string }[] = [{}, { key: admin }];
      if (["post", "put", "patch"].includes(method)) attempts.push({ key: admin, body: big }, { key: admin, body: "{}" });
      for (const attempt of attempts) {
        const call = await rest(api.origin, method.toUpperCase(), `/api${url}`, {
          key: attempt.key,
          body: attempt.body,
          headers: attempt.body ? { "content-type": "application/json" } : {},
        });
        seen.add(call.status);
        if (!op.responses[String(call.status)]) undeclared.push(`${method} ${path} answered ${call.status}: ${call.text.slice(0, 120)}`);
      }
    }
    expect(undeclared).toEqual([]);
    expect([...seen].sort()).toEqual(expect.arrayContaining([400, 401, 404, 413]));
  });
});

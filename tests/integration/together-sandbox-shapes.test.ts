import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startSandbox, type Sandbox } from "../../server/provider/sandbox";
import { waitFor } from "../helpers/worker";

// Every answer of the Together sandbox, held to the schemas of Together's
// published OpenAPI document (tests/reference/): each route, in each status a
// job passes through, errors included.

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
const doc = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "reference", "together-finetuning-openapi.json"), "utf8")) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
// fromJSONSchema resolves local references under `definitions`.
const rewritten = JSON.parse(JSON.stringify(doc).replaceAll("#/components/schemas/", "#/definitions/")) as typeof doc;

function responseSchema(method: string, template: string, status: number): z.ZodType {
  const operation = rewritten.paths[template]?.[method.toLowerCase()];
  const schema = operation?.responses?.[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`the document has no JSON answer for ${method} ${template} ${status}`);
  return z.fromJSONSchema({ ...schema, definitions: rewritten.components.schemas }, { defaultTarget: "openapi-3.0" });
}

let sandbox: Sandbox;
const seen = new Set<string>();

async function call(method: string, template: string, params: Record<string, string> = {}, init: { body?: BodyInit; json?: unknown } = {}) {
  const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
  const headers: Record<string, string> = { authorization: `Bearer ${sandbox.apiKey}` };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sandbox.url}${url}`, {
    method,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const body = (await res.json()) as unknown;
  const result = responseSchema(method, template, res.status).safeParse(body);
  if (!result.success) throw new Error(`${method} ${template} ${res.status}: ${z.prettifyError(result.error)}\n${JSON.stringify(body)}`);
  seen.add(`${method} ${template} ${res.status}`);
  return body as Record<string, unknown>;
}

const line = JSON.stringify({
  messages: [
    { role: "user", content: "How many orders?" },
    { role: "assistant", content: "SELECT count(*) FROM orders;" },
  ],
});

async function upload(content = Array(12).fill(line).join("\n")): Promise<string> {
  const form = new FormData();
  form.set("purpose", "fine-tune");
  form.set("file_name", "train.jsonl");
  form.set("file_type", "jsonl");
  form.set("file", new Blob([content]), "train.jsonl");
  const file = await call("POST", "/files/upload", {}, { body: form });
  const id = String(file["id"]);
  await waitFor(
    () => call("GET", "/files/{id}", { id }),
    (f) => f["Processed"] === true,
  );
  return id;
}

const MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
const status = async (id: string) => (await call("GET", "/fine-tunes/{id}", { id }))["status"];

beforeAll(async () => {
  sandbox = await startSandbox({
    flavor: "together",
    timings: { fileProcessingMs: 30, validatingMs: 100, queuedMs: 100, runningMs: 1_200, cancelConfirmMs: 400 },
  });
});
afterAll(() => sandbox.close());

describe("the Together sandbox answers in the shapes of Together's document", () => {
  it("files: upload, list, retrieve, delete", async () => {
    const id = await upload();
    const list = await call("GET", "/files");
    expect((list["data"] as Array<{ id: string }>).map((f) => f.id)).toContain(id);
    expect(await call("DELETE", "/files/{id}", { id })).toEqual({ id, deleted: true });
  });

  it("a job through pending, queued, running and completed: create, list, retrieve, events, checkpoints, metrics, delete", async () => {
    const fileId = await upload();
    const created = await call("POST", "/fine-tunes", {}, { json: { model: MODEL, training_file: fileId, n_epochs: 2 } });
    const id = String(created["id"]);
    expect(created["status"]).toBe("pending");
    const statuses = new Set<unknown>();
    await waitFor(
      async () => {
        const s = await status(id);
        statuses.add(s);
        await call("GET", "/fine-tunes/{id}/events", { id });
        await call("GET", "/fine-tunes/{id}/metrics", { id });
        await call("GET", "/fine-tunes/{id}/checkpoints", { id });
        return s;
      },
      (s) => s === "completed",
      15_000,
    );
    expect(statuses).toContain("running");
    const list = await call("GET", "/fine-tunes");
    expect((list["data"] as Array<{ id: string }>).map((j) => j.id)).toContain(id);
    const metrics = (await call("GET", "/fine-tunes/{id}/metrics", { id }))["metrics"] as unknown[];
    expect(metrics.length).toBeGreaterThan(0);
    expect(((await call("GET", "/fine-tunes/{id}/checkpoints", { id }))["data"] as unknown[]).length).toBe(2);
    await call("DELETE", "/fine-tunes/{id}", { id });
  });

  it("cancel: cancel_requested, then cancelled; refused once ended; unknown ids are 404s", async () => {
    const fileId = await upload();
    const id = String((await call("POST", "/fine-tunes", {}, { json: { model: MODEL, training_file: fileId } }))["id"]);
    await waitFor(
      () => status(id),
      (s) => s === "running",
    );
    expect((await call("POST", "/fine-tunes/{id}/cancel", { id }))["status"]).toBe("cancel_requested");
    expect(await status(id)).toBe("cancel_requested");
    await waitFor(
      () => status(id),
      (s) => s === "cancelled",
    );
    await call("POST", "/fine-tunes/{id}/cancel", { id }).catch(() => undefined); // 400: no JSON schema documented for it
    await expect(call("DELETE", "/fine-tunes/{id}", { id: "ft-unknown" })).resolves.toMatchObject({ error: expect.anything() as unknown });
  });

  it("a job validated n_evals times that continues another's checkpoint (from_checkpoint), and an unknown checkpoint in ErrorData's shape", async () => {
    const fileId = await upload();
    const validationFile = await upload(line); // one example: enough to validate on
    const parent = String(
      (await call("POST", "/fine-tunes", {}, { json: { model: MODEL, training_file: fileId, n_epochs: 2, batch_size: 4 } }))["id"],
    );
    await waitFor(
      () => status(parent),
      (s) => s === "completed",
      15_000,
    );
    const body = { model: MODEL, training_file: fileId, validation_file: validationFile, n_evals: 3, n_epochs: 1, batch_size: 4 };
    const child = await call("POST", "/fine-tunes", {}, { json: { ...body, from_checkpoint: `${parent}:3` } });
    expect(child).toMatchObject({ from_checkpoint: `${parent}:3`, validation_file: validationFile, n_evals: 3 });
    const id = String(child["id"]);
    await waitFor(
      () => status(id),
      (s) => s === "completed",
      15_000,
    );
    expect(await call("GET", "/fine-tunes/{id}", { id })).toMatchObject({ from_checkpoint: `${parent}:3`, n_evals: 3 });
    const metrics = (await call("GET", "/fine-tunes/{id}/metrics", { id }))["metrics"] as Array<Record<string, number>>;
    expect(metrics.filter((m) => "eval/loss" in m)).toHaveLength(3);

    // An unknown job or step: a 400 naming from_checkpoint, in the document's error shape.
    const errorData = z.fromJSONSchema(
      { ...(rewritten.components.schemas["ErrorData"] as object), definitions: rewritten.components.schemas },
      { defaultTarget: "openapi-3.0" },
    );
    for (const ref of [`${parent}:2`, "ft-unknown:3", "ft-unknown"]) {
      const res = await fetch(`${sandbox.url}/fine-tunes`, {
        method: "POST",
        headers: { authorization: `Bearer ${sandbox.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ ...body, from_checkpoint: ref }),
      });
      expect(res.status).toBe(400);
      const error = errorData.parse(await res.json());
      expect(error).toMatchObject({ error: { type: "invalid_request_error", param: "from_checkpoint" } });
    }
  });

  it("a failed job is error; supported models are listed", async () => {
    const fileId = await upload();
    const id = String((await call("POST", "/fine-tunes", {}, { json: { model: MODEL, training_file: fileId } }))["id"]);
    await sandbox.failJob(id, "out of memory");
    expect(await status(id)).toBe("error");
    const models = await call("GET", "/fine-tunes/models/supported");
    expect(models["models"]).toContain(MODEL);
  });

  it("covered every documented route the product uses", () => {
    for (const route of [
      "POST /files/upload 200",
      "GET /files 200",
      "GET /files/{id} 200",
      "DELETE /files/{id} 200",
      "POST /fine-tunes 200",
      "GET /fine-tunes 200",
      "GET /fine-tunes/{id} 200",
      "DELETE /fine-tunes/{id} 200",
      "DELETE /fine-tunes/{id} 404",
      "GET /fine-tunes/{id}/events 200",
      "GET /fine-tunes/{id}/checkpoints 200",
      "GET /fine-tunes/{id}/metrics 200",
      "POST /fine-tunes/{id}/cancel 200",
      "GET /fine-tunes/models/supported 200",
    ])
      expect(seen).toContain(route);
  });
});

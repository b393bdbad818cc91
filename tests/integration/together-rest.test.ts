import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import type { Sandbox } from "../../server/provider/sandbox";
import { startSandbox } from "../../server/provider/sandbox";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection } from "../helpers/factories";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";

// Choosing the provider over REST and Dataherald's hosted paths: the process's
// providers come from the environment, as in production (TOGETHER_API_KEY and
// TOGETHER_BASE_URL, here pointed at a Together sandbox).

let together: Sandbox;
let server: RestServer;
let key: string;
let connectionId: string;
const MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";

beforeAll(async () => {
  together = await startSandbox({
    flavor: "together",
    timings: { fileProcessingMs: 50, validatingMs: 100, queuedMs: 100, runningMs: 60_000 },
  });
  process.env.TOGETHER_API_KEY = together.apiKey;
  process.env.TOGETHER_BASE_URL = together.url;
  server = await startRestServer();
  key = await apiKey("operator", "together-rest");
  connectionId = (await makeConnection(db())).connection.id;
});
afterAll(async () => {
  await server.close();
  await together.close();
  await stopQueue();
});

describe("model_provider on REST", () => {
  it("POST /api/v1/finetunings creates a Together job; a model Together does not fine-tune is a 400 naming the field", async () => {
    const created = await rest(server.origin, "POST", "/api/v1/finetunings", {
      key,
      json: {
        db_connection_id: connectionId,
        base_llm: { model_provider: "together", model_name: MODEL, model_parameters: { lora: false } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.base_llm).toMatchObject({ model_provider: "together", model_name: MODEL });
    expect(created.body.provider_status).toBeNull();

    const wrong = await rest(server.origin, "POST", "/api/v1/finetunings", {
      key,
      json: { db_connection_id: connectionId, base_llm: { model_provider: "together", model_name: "gpt-4o-mini-2024-07-18" } },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("base_llm.model_name");

    const unknown = await rest(server.origin, "POST", "/api/v1/finetunings", {
      key,
      json: { db_connection_id: connectionId, base_llm: { model_provider: "anthropic", model_name: "x" } },
    });
    expect(unknown.status).toBe(400);
  });

  it("Dataherald's hosted POST /api/finetunings takes the provider too", async () => {
    const created = await rest(server.origin, "POST", "/api/finetunings", {
      key,
      json: { db_connection_id: connectionId, base_llm: { model_provider: "together", model_name: MODEL } },
    });
    expect(created.status).toBeLessThan(300);
    expect(created.body.base_llm.model_provider).toBe("together");
  });
});

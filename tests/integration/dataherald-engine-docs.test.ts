import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";
import { apiKey, startRestServer, type JsonBody, type RestServer } from "../helpers/rest";

// The examples of Dataherald's engine docs (Dataherald/dataherald,
// services/engine/docs/api.finetuning.rst, api.list_finetunings.rst,
// api.get_finetuning.rst, api.cancel_finetuning.rst, api.delete_finetuning.rst),
// sent as their curl commands send them: method, path, query, headers and body
// text, with the engine's placeholders replaced by real ids and an API key
// added (the engine had no authentication). Each answer is compared with the
// documented response field for field; ids and times are this server's own.

process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
process.env.PROVIDER_TIMEOUT_MS = "200";
process.env.PROVIDER_CANCEL_DEADLINE_MS = "400";

let api: RestServer;
let key: string;
beforeAll(async () => {
  api = await startRestServer();
  key = await apiKey("operator", "engine-docs");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

/** The documented response (the docs' `#` comments and trailing commas aside); 17 golden record ids. */
const DOCUMENTED_JOB = {
  id: "finetuning-job-id",
  db_connection_id: "database_connection_id",
  alias: "my_model",
  status: "validating_files",
  error: null,
  base_llm: { model_provider: "openai", model_name: "gpt-3.5-turbo-1106", model_parameters: { n_epochs: "1" } },
  finetuning_file_id: null,
  finetuning_job_id: null,
  model_id: null,
  created_at: "2023-12-13T17:35:53.263485",
  golden_records: Array.from({ length: 17 }, (_, i) => `656777ceeb4e22533dc43f${(0xce + i).toString(16)}`),
  metadata: null,
};

/** One curl of the docs, with the key added. */
async function curl(method: string, path: string, opts: { contentType?: boolean; data?: string } = {}) {
  const headers: Record<string, string> = { accept: "application/json", "X-API-Key": key };
  if (opts.contentType) headers["Content-Type"] = "application/json";
  const response = await fetch(`${api.origin}${path}`, { method, headers, body: opts.data });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Field for field with the docs: every documented field, the same values, ids and times aside. */
function expectDocumented(
  actual: JsonBody,
  documented: Record<string, unknown>,
  ours: { id: string; dbConnectionId: string; goldenRecordIds: string[] },
) {
  for (const field of Object.keys(documented)) expect(actual, field).toHaveProperty(field);
  const sameShape = (job: Record<string, unknown>) => ({
    ...job,
    id: 0,
    db_connection_id: 0,
    created_at: 0,
    golden_records: (job.golden_records as unknown[]).length,
  });
  const picked = Object.fromEntries(Object.keys(documented).map((field) => [field, (actual as Record<string, unknown>)[field]]));
  expect(sameShape(picked)).toEqual(sameShape(documented));
  expect(actual).toMatchObject({ id: ours.id, db_connection_id: ours.dbConnectionId, golden_records: ours.goldenRecordIds });
  expect(Number.isNaN(Date.parse(actual.created_at as string))).toBe(false);
}

/** The docs' job, as our rows hold it: on a connection with 17 golden records. */
async function documentedJob(status: "validating_files" | "queued" = "validating_files", id?: string) {
  const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 17 });
  const job = await makeJob(db(), { dbConnectionId: connection.id, alias: "my_model", status, goldenRecordIds });
  const row = await db().finetuningJob.update({
    where: { id: job.id },
    data: { modelName: "gpt-3.5-turbo-1106", modelParameters: { n_epochs: "1" }, ...(id ? { id } : {}) },
  });
  return { id: row.id, dbConnectionId: connection.id, goldenRecordIds };
}

describe("the engine docs' examples", () => {
  it("api.finetuning: POST /api/v1/finetunings with the documented body → 201, the documented job, queued", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 17 });
    // curl -X 'POST' 'http://localhost/api/v1/finetunings' -H 'accept: application/json' -H 'Content-Type: application/json' -d '{…}'
    const data = `{
    "db_connection_id": "${connection.id}",
    "base_llm": {
        "model_provider": "openai",
        "model_name": "gpt-3.5-turbo-1106",
        "model_parameters": {
        "n_epochs": 1
        }
    }
    }`;
    const answer = await curl("POST", "/api/v1/finetunings", { contentType: true, data });
    expect(answer.status).toBe(201);
    const { alias: _alias, ...documentedCreate } = DOCUMENTED_JOB; // the create example shows no alias
    // The 1 sent comes back as "1", as the engine's model answered it.
    expectDocumented(
      answer.body,
      { ...documentedCreate, status: "queued" },
      { id: answer.body.id as string, dbConnectionId: connection.id, goldenRecordIds: [...goldenRecordIds].sort() },
    );
  });

  it("api.list_finetunings: GET /api/v1/finetunings?db_connection_id= → a JSON array of the documented jobs", async () => {
    const job = await documentedJob();
    // curl -X 'GET' '<host>/api/v1/finetunings?db_connection_id=12312312' -H 'accept: application/json'
    const answer = await curl("GET", `/api/v1/finetunings?db_connection_id=${job.dbConnectionId}`);
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.body)).toBe(true);
    expect(answer.body).toHaveLength(1);
    expectDocumented(answer.body[0], DOCUMENTED_JOB, job);
  });

  it("api.get_finetuning: GET /api/v1/finetunings/{finetuning_id}?finetuning_job_id=… → the documented job", async () => {
    const job = await documentedJob();
    // curl -X 'GET' 'http://localhost/api/v1/finetunings/{finetuning_id}?finetuning_job_id={finetuing-job-id}' -H 'accept: application/json'
    const answer = await curl("GET", `/api/v1/finetunings/${job.id}?finetuning_job_id=finetuing-job-id`);
    expect(answer.status).toBe(200);
    expectDocumented(answer.body, DOCUMENTED_JOB, job);
  });

  it("api.cancel_finetuning: POST /api/v1/finetunings/{finetuning_id}/cancel with the documented body → the documented cancelled job", async () => {
    const job = await documentedJob("queued");
    // curl -X 'POST' 'http://localhost/api/v1/finetunings/{finetuning_id}/cancel' -H 'accept: application/json' -H 'Content-Type: application/json' -d '{…}'
    const answer = await curl("POST", `/api/v1/finetunings/${job.id}/cancel`, {
      contentType: true,
      data: `{\n    "finetuning_id": "${job.id}"\n    }`,
    });
    expect(answer.status).toBe(200);
    const { alias: _alias, ...documentedCancel } = DOCUMENTED_JOB; // the cancel example shows no alias
    expectDocumented(answer.body, { ...documentedCancel, status: "cancelled", error: "Fine tuning cancelled by the user" }, job);
  });

  it('api.delete_finetuning: DELETE /api/v1/finetunings/5e8b4a1c-… → { "status": true }; the job stays readable', async () => {
    const documentedId = "5e8b4a1c-4b0c-4b0c-8b4a-1c4b0c8b4a1c";
    const taken = await db().finetuningJob.findUnique({ where: { id: documentedId }, select: { id: true } }); // a reused TEST_DATABASE_URL
    const job = await documentedJob("queued", taken ? randomUUID() : documentedId);
    // curl -X 'DELETE' '<host>/api/v1/finetunings/5e8b4a1c-4b0c-4b0c-8b4a-1c4b0c8b4a1c' -H 'accept: application/json'
    const answer = await curl("DELETE", `/api/v1/finetunings/${job.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: true });
    const after = await curl("GET", `/api/v1/finetunings/${job.id}`);
    expect(after.body).toMatchObject({ id: job.id, status: "cancelled" });
    expect(await curl("GET", `/api/v1/finetunings?db_connection_id=${job.dbConnectionId}`)).toMatchObject({ status: 200, body: [] });
  });
});

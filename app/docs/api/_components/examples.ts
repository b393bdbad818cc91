import { statusConflict } from "@/server/finetuning/errors";
import { CANCELLED_BY_USER_ERROR, type FinetuningJob } from "@/server/finetuning/schema";

// The seed's cancel example (Dataherald's docs), with the bearer key this API needs.
export const CANCEL_CURL = `curl -X 'POST' \\
  'http://localhost:3000/api/v1/finetunings/0193a5b2-7c1e-7d40-9f0b-2b6f1c2d3e4f/cancel' \\
  -H 'accept: application/json' \\
  -H 'Content-Type: application/json' \\
  -H 'Authorization: Bearer ftcr_your_api_key' \\
  -d '{
  "finetuning_id": "0193a5b2-7c1e-7d40-9f0b-2b6f1c2d3e4f",
  "metadata": { "reason": "trained on the wrong warehouse" }
}'`;

const cancelled: FinetuningJob = {
  id: "0193a5b2-7c1e-7d40-9f0b-2b6f1c2d3e4f",
  alias: "my_model",
  db_connection_id: "0193a5a0-1b2c-7e3d-8f40-5a6b7c8d9e0f",
  status: "cancelled",
  provider_status: "cancelled",
  cancel_stuck_at: null,
  error: CANCELLED_BY_USER_ERROR,
  base_llm: { model_provider: "openai", model_name: "gpt-4o-mini-2024-07-18", model_parameters: { n_epochs: "1" } },
  finetuning_file_id: null,
  finetuning_job_id: null,
  model_id: null,
  created_at: "2026-11-23T17:35:53.263Z",
  golden_records: ["0193a5a0-2c3d-7f4e-9a5b-6c7d8e9f0a1b", "0193a5a0-2c3d-7f4e-9a5b-6c7d8e9f0a1c", "…"],
  metadata: { reason: "trained on the wrong warehouse" },
  updated_at: "2026-11-23T17:41:02.118Z",
  finished_at: "2026-11-23T17:41:02.118Z",
  cancelled_at: "2026-11-23T17:41:02.118Z",
  progress: { step: 42, total_steps: 90, percent: 46.7, train_loss: 0.8213, valid_loss: 0.9034 },
  estimated_finish: null,
  trained_tokens: null,
  cost: { so_far_usd: 0.03, estimated_total_usd: 0.06, final_usd: null, currency: "USD", source: "price_table", usd_per_1m_training_tokens: 3, training_file_tokens: 21_000, n_epochs: 1 },
  guardrails: {},
  guardrail_trips: [],
  parent: null,
  sweep_id: null,
};

export const CANCEL_RESPONSE = JSON.stringify(cancelled, null, 2);

export const ERROR_EXAMPLE = JSON.stringify(
  { error: { code: "CONFLICT", message: statusConflict({ id: "0193a5b2-…", status: "succeeded" }).message } },
  null,
  2,
);

export const CLIENT_EXAMPLE = `import { createFinetuningClient } from "control-room/client";

const api = createFinetuningClient({ url: process.env.CONTROL_ROOM_URL!, apiKey: process.env.CONTROL_ROOM_API_KEY! });
const job = await api.finetuning.cancel.mutate({ finetuning_id: jobId, metadata: { reason: "wrong data" } });`;

export const LIST_PAGING_EXAMPLE = `$ curl -i 'http://localhost:3000/api/v1/finetunings?limit=2' -H 'X-API-Key: ftcr_your_api_key'
HTTP/1.1 200 OK
link: <http://localhost:3000/api/v1/finetunings?limit=2&cursor=WyIyMDI2LTExLTIzVDE3OjM1OjUzLjI2M1oiLCIwMTkzYTViMi03YzFlLTdkNDAtOWYwYi0yYjZmMWMyZDNlNGYiXQ>; rel="next"
x-next-cursor: WyIyMDI2LTExLTIzVDE3OjM1OjUzLjI2M1oiLCIwMTkzYTViMi03YzFlLTdkNDAtOWYwYi0yYjZmMWMyZDNlNGYiXQ

[ { "id": "…", "status": "running", … }, { "id": "0193a5b2-7c1e-7d40-9f0b-2b6f1c2d3e4f", … } ]`;

export const DATAHERALD_SDK_EXAMPLE = `# pip install dataherald; DATAHERALD_BASE_URL=http://localhost:3000 DATAHERALD_API_KEY=ftcr_your_api_key
from dataherald import Dataherald

client = Dataherald()
job = client.finetunings.create(alias="orders-v1", base_llm={"model_name": "gpt-4o-mini-2024-07-18"}, db_connection_id=connection_id)
jobs = client.finetunings.list(db_connection_id=connection_id)   # the newest 20; extra_query={"limit": 100} for more
client.finetunings.cancel(job.id)`;

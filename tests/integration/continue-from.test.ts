// Continuing from a checkpoint: any checkpoint of any job (succeeded, cancelled)
// starts a new job that trains on from it at the provider (OpenAI: the
// checkpoint's model as base; Together: from_checkpoint over the real
// together-ai SDK), with its lineage on the wire, in the list's filter and in
// the curve's step offset. 12 golden records: 11 are trained on, 1 held out to
// validate on, so with batch size 1 an epoch is 11 steps.
import "../helpers/env";
import Together from "together-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { callerAs } from "../helpers/callers";
import { makeConnection } from "../helpers/factories";
import { sandboxProvider, togetherSandboxProvider } from "../helpers/provider";
import { apiKey, rest, startRestServer, type RestServer } from "../helpers/rest";
import { driveJob, waitFor } from "../helpers/worker";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let together: Sandbox;
let togetherProvider: FinetuningProvider;
let server: RestServer;

const TIMINGS = { fileProcessingMs: 20, validatingMs: 20, queuedMs: 20, runningMs: 1_500 };

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider(TIMINGS));
  ({ sandbox: together, provider: togetherProvider } = await togetherSandboxProvider({ ...TIMINGS, cancelConfirmMs: 0 }));
  server = await startRestServer();
});
afterAll(async () => {
  await server.close();
  await sandbox.close();
  await together.close();
});

async function trainedParent() {
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  const caller = await callerAs("operator", provider);
  const parent = await caller.finetuning.create({
    db_connection_id: connection.id,
    base_llm: {
      model_provider: "openai",
      model_name: "gpt-4o-mini-2024-07-18",
      model_parameters: { n_epochs: 2, learning_rate_multiplier: 0.5 },
    },
  });
  return { caller, parent };
}

describe("finetuning.continueFrom", () => {
  it("continues a succeeded job from its first checkpoint: the checkpoint's model as base, parameters merged, lineage, the curve continuing at the step", async () => {
    const { caller, parent } = await trainedParent();
    await driveJob({ db: db(), provider, jobId: parent.id });
    const checkpoints = await caller.finetuning.checkpoints({ finetuning_id: parent.id });
    expect(checkpoints.map((c) => c.step_number)).toEqual([11, 22]);
    const first = checkpoints[0]!;

    const child = await caller.finetuning.continueFrom({
      finetuning_id: parent.id,
      checkpoint_id: first.id,
      base_llm: { model_parameters: { learning_rate_multiplier: 2 } },
    });
    expect(child.parent).toEqual({ finetuning_id: parent.id, checkpoint_id: first.id, step: 11 });
    expect(child.base_llm).toEqual({
      model_provider: "openai",
      model_name: first.fine_tuned_model_checkpoint,
      model_parameters: { n_epochs: 2, learning_rate_multiplier: 2 },
    });
    expect(child.golden_records).toEqual(parent.golden_records);
    await driveJob({ db: db(), provider, jobId: child.id });

    const done = await caller.finetuning.get({ finetuning_id: child.id });
    expect(done.status).toBe("succeeded");
    const atProvider = await provider.retrieveJob(done.finetuning_job_id!);
    expect(atProvider.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:sandbox:/);
    const sandboxJob = (await sandbox.jobs()).find((j) => j.id === done.finetuning_job_id);
    expect(sandboxJob?.model).toBe(first.fine_tuned_model_checkpoint);

    // The child's curve starts where the parent's was at step 11 (within the noise and one step's learning), drawn from step 12 on.
    const curve = await caller.finetuning.metrics({ finetuning_id: child.id });
    expect(curve.step_offset).toBe(11);
    const parentAt11 = first.metrics["train_loss"]!;
    const childFirst = curve.series.train_loss[0]!.value;
    expect(Math.abs(childFirst - parentAt11) / parentAt11).toBeLessThan(0.25);
    expect(childFirst).toBeLessThan(2.0); // a fresh start is ~2.4

    const children = await caller.finetuning.list({ parent_finetuning_id: parent.id });
    expect(children.items.map((j) => j.id)).toEqual([child.id]);
  });

  it("continues a cancelled job over REST (201, with parent), and refuses an unknown checkpoint (404) and a viewer (403)", async () => {
    const { caller, parent } = await trainedParent();
    const running = await waitFor(
      async () => {
        await driveJob({ db: db(), provider, jobId: parent.id, timeoutMs: 300 }).catch(() => undefined);
        return caller.finetuning.checkpoints({ finetuning_id: parent.id });
      },
      (c) => c.length > 0,
      20_000,
    );
    const cancelled = await caller.finetuning.cancel({ finetuning_id: parent.id });
    expect(cancelled.status).toBe("cancelled");

    const key = await apiKey("operator");
    const path = `/api/v1/finetunings/${parent.id}/continue`;
    const answer = await rest(server.origin, "POST", path, { key, json: { checkpoint_id: running[0]!.id } });
    expect(answer.status).toBe(201);
    expect(answer.body.parent).toEqual({ finetuning_id: parent.id, checkpoint_id: running[0]!.id, step: running[0]!.step_number });

    const unknown = await rest(server.origin, "POST", path, { key, json: { checkpoint_id: "ftckpt-nope" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message ?? unknown.text).toContain("ftckpt-nope");
    const viewer = await rest(server.origin, "POST", path, { key: await apiKey("viewer"), json: { checkpoint_id: running[0]!.id } });
    expect(viewer.status).toBe(403);
  });
});

describe("finetuning.continueFrom, Together AI", () => {
  const MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";

  it("continues a Together job from a checkpoint through from_checkpoint: the base model kept, lineage, the curve continuing at the step", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const caller = await callerAs("operator", { together: togetherProvider });
    const parent = await caller.finetuning.create({
      db_connection_id: connection.id,
      base_llm: { model_provider: "together", model_name: MODEL, model_parameters: { n_epochs: 2, batch_size: 1 } },
    });
    await driveJob({ db: db(), provider: togetherProvider, jobId: parent.id });
    const parentDone = await caller.finetuning.get({ finetuning_id: parent.id });
    expect(parentDone.status).toBe("succeeded");
    const checkpoints = await caller.finetuning.checkpoints({ finetuning_id: parent.id });
    expect(checkpoints.map((c) => c.step_number)).toEqual([11, 22]);
    const first = checkpoints[0]!;
    expect(first.id).toBe(`${parentDone.finetuning_job_id}:11`); // from_checkpoint's own form

    const child = await caller.finetuning.continueFrom({ finetuning_id: parent.id, checkpoint_id: first.id });
    expect(child.parent).toEqual({ finetuning_id: parent.id, checkpoint_id: first.id, step: 11 });
    expect(child.base_llm).toEqual({ model_provider: "together", model_name: MODEL, model_parameters: { n_epochs: 2, batch_size: 1 } });
    await driveJob({ db: db(), provider: togetherProvider, jobId: child.id });
    const done = await caller.finetuning.get({ finetuning_id: child.id });
    expect(done.status).toBe("succeeded");

    // What Together was asked: the same base model, from the parent's checkpoint.
    const sdk = new Together({ apiKey: together.apiKey, baseURL: together.url, maxRetries: 0 });
    const atTogether = await sdk.fineTuning.retrieve(done.finetuning_job_id!);
    expect(atTogether.model).toBe(MODEL);
    expect(atTogether.from_checkpoint).toBe(first.id);

    // The child's curve starts where the parent's was at step 11, not at a fresh model's ~2.4.
    const parentCurve = await caller.finetuning.metrics({ finetuning_id: parent.id });
    const parentAt11 = parentCurve.series.train_loss.find((p) => p.step === 11)!.value;
    const curve = await caller.finetuning.metrics({ finetuning_id: child.id });
    expect(curve.step_offset).toBe(11);
    const childFirst = curve.series.train_loss[0]!.value;
    expect(Math.abs(childFirst - parentAt11) / parentAt11).toBeLessThan(0.25);
    expect(childFirst).toBeLessThan(2.0);

    const children = await caller.finetuning.list({ parent_finetuning_id: parent.id });
    expect(children.items.map((j) => j.id)).toEqual([child.id]);
  });
});

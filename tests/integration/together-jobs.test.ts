import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { evaluateGuardrails } from "../../server/guardrails/evaluate";
import type { Sandbox } from "../../server/provider/sandbox";
import type { Providers } from "../../server/provider/types";
import { advanceJob } from "../../server/worker/advance";
import { createWebhookEndpoint } from "../../server/webhooks/service";
import { stopQueue } from "../../server/worker/queue";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeConnection } from "../helpers/factories";
import { sandboxControl, sandboxProvider, togetherSandboxProvider } from "../helpers/provider";
import { waitFor } from "../helpers/worker";

// Together jobs through the product: created on tRPC with model_provider
// "together", taken forward by the worker's steps over the real together-ai
// SDK against the Together sandbox, cancelled (asynchronously) at every stage.

let openaiSandbox: Sandbox;
let together: Sandbox;
let providers: Providers;
let connectionId: string;

const MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
const FAST = { fileProcessingMs: 50, validatingMs: 100, queuedMs: 100 };

beforeAll(async () => {
  const openai = await sandboxProvider({ ...FAST, runningMs: 60_000 });
  const tog = await togetherSandboxProvider({ ...FAST, runningMs: 60_000, cancelConfirmMs: 0 });
  openaiSandbox = openai.sandbox;
  together = tog.sandbox;
  providers = { openai: openai.provider, together: tog.provider };
  connectionId = (await makeConnection(db())).connection.id;
});
afterAll(async () => {
  await together.close();
  await openaiSandbox.close();
  await stopQueue();
});

const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });
const step = (id: string, cancelConfirmTimeoutMs?: number) =>
  advanceJob({ db: db(), provider: providers, jobId: id, pollSeconds: 0, createSettleMs: 2_000, cancelConfirmTimeoutMs });
/** Worker steps until `done` holds for the job's row. */
const stepUntil = (
  id: string,
  done: (r: Awaited<ReturnType<typeof row>>) => boolean,
  cancelConfirmTimeoutMs?: number,
  timeoutMs = 20_000,
) =>
  waitFor(
    async () => {
      await step(id, cancelConfirmTimeoutMs).catch(() => undefined); // the queue retries a failed step
      return row(id);
    },
    done,
    timeoutMs,
  );
const cancelCalls = () => together.stats().byRoute["POST /v1/fine-tunes/{id}/cancel"] ?? 0;

async function createTogetherJob(extra: Record<string, unknown> = {}) {
  const operator = await callerAs("operator", providers);
  return operator.finetuning.create({
    db_connection_id: connectionId,
    base_llm: { model_provider: "together", model_name: MODEL, model_parameters: { n_epochs: 1, lora: true } },
    ...extra,
  });
}

async function runningTogetherJob() {
  const job = await createTogetherJob();
  await stepUntil(job.id, (r) => r.status === "running");
  return job;
}

describe("Together jobs", () => {
  it("run to completed: provider_status on the wire, the provider's price as the final cost", async () => {
    await together.setTimings({ runningMs: 1_500 });
    try {
      const job = await createTogetherJob();
      expect(job.base_llm.model_provider).toBe("together");
      const done = await stepUntil(job.id, (r) => r.status === "succeeded");
      expect(done.modelId).toBeTruthy();
      const viewer = await callerAs("viewer", providers);
      const wire = await viewer.finetuning.get({ finetuning_id: job.id });
      expect(wire.provider_status).toBe("completed");
      expect(wire.cost.source).toBe("provider");
      expect(wire.cost.final_usd).toBeGreaterThan(0);
      expect(wire.progress?.step).toBeGreaterThan(0);
      const path = (await eventsOf(db(), job.id)).filter((e) => e.kind === "status_change").map((e) => e.toStatus);
      expect(path).toEqual(expect.arrayContaining(["validating_files", "running", "succeeded"]));
    } finally {
      await together.setTimings({ runningMs: 60_000 });
    }
  });

  it("refuses a model or a parameter Together does not take, and a pause, with the provider named", async () => {
    const operator = await callerAs("operator", providers);
    await expect(
      operator.finetuning.create({
        db_connection_id: connectionId,
        base_llm: { model_provider: "together", model_name: "gpt-4o-mini-2024-07-18" },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Together AI") as unknown });
    await expect(
      operator.finetuning.create({
        db_connection_id: connectionId,
        base_llm: { model_provider: "together", model_name: MODEL, model_parameters: { learning_rate_multiplier: 2 } },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(createTogetherJob({ guardrails: { max_cost_usd: { limit: 5, action: "pause" } } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Together AI cannot pause") as unknown,
    });

    const job = await runningTogetherJob();
    await expect(operator.finetuning.pause({ finetuning_id: job.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Together AI cannot pause") as unknown,
    });
    await expect(
      operator.finetuning.setGuardrails({ finetuning_id: job.id, guardrails: { stall_after_seconds: { limit: 60, action: "pause" } } }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Together AI") as unknown });
    expect((await row(job.id)).status).toBe("running");
    await operator.finetuning.cancel({ finetuning_id: job.id });
  });

  it("cancels before the provider job exists at once, and a running one through cancelling once the provider confirms", async () => {
    const operator = await callerAs("operator", providers);
    const early = await createTogetherJob();
    expect((await operator.finetuning.cancel({ finetuning_id: early.id })).status).toBe("cancelled");

    await together.setTimings({ cancelConfirmMs: 1_500 });
    try {
      const job = await runningTogetherJob();
      const before = cancelCalls();
      const answer = await operator.finetuning.cancel({ finetuning_id: job.id, metadata: { why: "wrong data" } });
      expect(answer.status).toBe("cancelling");
      expect(answer.provider_status).toBe("cancel_requested");
      expect(answer.error).toBe("Fine tuning cancelled by the user");
      // Again while cancelling: 200, the same job, and no second call to Together.
      const again = await operator.finetuning.cancel({ finetuning_id: job.id });
      expect(again.status).toBe("cancelling");
      expect(cancelCalls()).toBe(before + 1);

      const calls = (route: string) => together.stats().byRoute[route] ?? 0;
      const [reads, eventReads] = [calls("GET /v1/fine-tunes/{id}"), calls("GET /v1/fine-tunes/{id}/events")];
      const done = await stepUntil(job.id, (r) => r.status === "cancelled");
      // Waiting for the confirmation reads the status alone; the events once, when it came.
      expect(calls("GET /v1/fine-tunes/{id}") - reads).toBeGreaterThanOrEqual(2);
      expect(calls("GET /v1/fine-tunes/{id}/events") - eventReads).toBe(1);
      expect(done.providerStatus).toBe("cancelled");
      expect(done.error).toBe("Fine tuning cancelled by the user");
      expect(await operator.finetuning.get({ finetuning_id: job.id })).toMatchObject({ status: "cancelled", provider_status: "cancelled" });
      const moves = (await eventsOf(db(), job.id)).filter((e) => e.kind === "status_change").map((e) => `${e.fromStatus}>${e.toStatus}`);
      expect(moves.slice(-2)).toEqual(["running>cancelling", "cancelling>cancelled"]);
      // Then the worker cleans up: the training file is deleted at Together.
      await stepUntil(job.id, (r) => r.providerCleanedAt !== null);
    } finally {
      await together.setTimings({ cancelConfirmMs: 0 });
    }
  });

  it("a cancel Together never confirms: cancel_stuck (event, webhook, marker), re-sent with backoff, until it is confirmed", async () => {
    // A receiver subscribed to it (nothing need answer: the outbox row is what is checked).
    await createWebhookEndpoint({
      db: db(),
      input: { url: "http://127.0.0.1:9/hook", event_types: ["job.cancel_stuck"], enabled: true },
      allowPrivate: true,
    });
    await together.setTimings({ cancelConfirmMs: Infinity });
    const operator = await callerAs("operator", providers);
    const job = await runningTogetherJob();
    const before = cancelCalls();
    expect((await operator.finetuning.cancel({ finetuning_id: job.id })).status).toBe("cancelling");

    const stuck = await stepUntil(job.id, (r) => r.cancelStuckAt !== null && r.cancelSends >= 2, 300);
    expect(stuck.status).toBe("cancelling");
    expect(cancelCalls()).toBeGreaterThanOrEqual(before + 2);
    const events = await eventsOf(db(), job.id);
    expect(events.filter((e) => e.kind === "cancel_stuck")).toHaveLength(1);
    const wire = await operator.finetuning.get({ finetuning_id: job.id });
    expect(wire.cancel_stuck_at).not.toBeNull();
    const deliveries = await db().$queryRaw<Array<{ event_type: string }>>`
      SELECT event_type FROM webhook_deliveries WHERE job_id = ${job.id}::uuid AND event_type = 'job.cancel_stuck'`;
    expect(deliveries.length).toBeGreaterThanOrEqual(1);

    await together.setTimings({ cancelConfirmMs: 0 });
    const done = await stepUntil(job.id, (r) => r.status === "cancelled", 300);
    expect(done.status).toBe("cancelled");
    expect((await operator.finetuning.get({ finetuning_id: job.id })).cancel_stuck_at).toBeNull();
  });

  it("a provider that refuses the cancel is a 409, one that is unreachable a 502; the job is left as it was", async () => {
    const operator = await callerAs("operator", providers);
    const job = await runningTogetherJob();
    const fault = (status: number, times: number) =>
      sandboxControl(together, "faults", {
        method: "POST",
        body: { route: "POST /v1/fine-tunes/*/cancel", fault: { kind: "status", status }, times },
      });
    await fault(400, 1);
    await expect(operator.finetuning.cancel({ finetuning_id: job.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await row(job.id)).status).toBe("running");
    await fault(503, 100);
    try {
      await expect(operator.finetuning.cancel({ finetuning_id: job.id })).rejects.toMatchObject({ code: "BAD_GATEWAY" });
    } finally {
      together.clearFaults();
    }
    expect((await row(job.id)).status).toBe("running");
    expect((await operator.finetuning.cancel({ finetuning_id: job.id })).status).toBe("cancelling"); // accepted now
    await stepUntil(job.id, (r) => r.status === "cancelled");
  });

  it("bulk cancel over both providers in one call: OpenAI's cancelled, Together's cancelling, then cancelled", async () => {
    await together.setTimings({ cancelConfirmMs: 1_000 });
    try {
      const operator = await callerAs("operator", providers);
      const togetherJob = await runningTogetherJob();
      const openaiJob = await operator.finetuning.create({ db_connection_id: connectionId });
      await stepUntil(openaiJob.id, (r) => r.status === "running");
      const result = await operator.finetuning.cancelMany({ ids: [togetherJob.id, openaiJob.id] });
      const byId = new Map(result.results.map((r) => [r.finetuning_id, r]));
      expect(byId.get(openaiJob.id)).toMatchObject({ outcome: "cancelled", status: "cancelled" });
      expect(byId.get(togetherJob.id)).toMatchObject({ outcome: "cancelling", status: "cancelling" });
      expect(result.counts.cancelling).toBe(1);
      // Cancelling counts as active: a filter on it finds the job, and a second bulk call makes no new provider call.
      const calls = cancelCalls();
      const again = await operator.finetuning.cancelMany({ filter: { status: "cancelling", db_connection_id: connectionId } });
      expect(again.results.map((r) => r.finetuning_id)).toContain(togetherJob.id);
      expect(cancelCalls()).toBe(calls);
      await stepUntil(togetherJob.id, (r) => r.status === "cancelled");
    } finally {
      await together.setTimings({ cancelConfirmMs: 0 });
    }
  });

  it("a cost guardrail reads Together's total_price and cancels through the same path", async () => {
    await together.setTimings({ cancelConfirmMs: 1_000 });
    try {
      const job = await createTogetherJob({ guardrails: { max_cost_usd: { limit: 0.000001, action: "cancel" } } });
      const stopped = await waitFor(
        async () => {
          await step(job.id).catch(() => undefined);
          await evaluateGuardrails({ db: db(), provider: providers, jobId: job.id });
          return row(job.id);
        },
        (r) => r.status === "cancelling" || r.status === "cancelled",
        20_000,
      );
      expect(stopped.reportedPriceUsd).toBeGreaterThan(0.000001);
      const trip = (await eventsOf(db(), job.id)).find((e) => e.kind === "guardrail_triggered");
      expect(trip?.reason).toContain("max_cost_usd");
      await stepUntil(job.id, (r) => r.status === "cancelled");
    } finally {
      await together.setTimings({ cancelConfirmMs: 0 });
    }
  });
});

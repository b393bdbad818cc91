// The OpenAI sandbox, driven through the real `openai` SDK over real HTTP.
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  toFile,
} from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { trainingJsonl, waitFor } from "@/server/provider/sandbox/fixtures";
import { startSandbox, type Sandbox } from "@/server/provider/sandbox";
import { dropSandboxSchema, durableSandboxOptions } from "../helpers/provider";

const FAST = { fileProcessingMs: 30, validatingMs: 40, queuedMs: 40, runningMs: 80 };

let sandbox: Sandbox;
let client: OpenAI;

// The same behaviour whether the state lives in memory or in Postgres.
describe.each([
  ["in memory", false],
  ["in Postgres", true],
])("the sandbox %s", (_where, durable) => {
  let schema: string | undefined;

  beforeEach(async () => {
    const options = durable ? durableSandboxOptions() : undefined;
    schema = options?.schema;
    sandbox = await startSandbox({ timings: FAST, ...options });
    client = new OpenAI({ apiKey: sandbox.apiKey, baseURL: sandbox.url, maxRetries: 0 });
  });
  afterEach(async () => {
    await sandbox.close();
    if (schema) await dropSandboxSchema(schema);
  });

  async function upload(text: string, name = "train.jsonl") {
    return client.files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" });
  }

  async function processedFile(): Promise<string> {
    const file = await upload(trainingJsonl(12));
    await waitFor(
      () => client.files.retrieve(file.id),
      (f) => f.status === "processed",
    );
    return file.id;
  }

  async function caught(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => error,
    );
  }

  describe("files", () => {
    it("uploads valid JSONL, processes it, serves and deletes it", async () => {
      const text = trainingJsonl(12);
      const file = await upload(text);
      expect(file).toMatchObject({
        object: "file",
        purpose: "fine-tune",
        status: "uploaded",
        filename: "train.jsonl",
        bytes: Buffer.byteLength(text),
      });
      expect(file.id).toMatch(/^file-/);
      const done = await waitFor(
        () => client.files.retrieve(file.id),
        (f) => f.status !== "uploaded",
      );
      expect(done.status).toBe("processed");
      expect(await (await client.files.content(file.id)).text()).toBe(text);
      expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: "file", deleted: true });
      expect(await caught(client.files.retrieve(file.id))).toBeInstanceOf(NotFoundError);
      expect(await sandbox.files()).toEqual([expect.objectContaining({ id: file.id, deleted: true })]);
    });

    it("processes a file with too few examples to train on: a job may validate on it, not train on it", async () => {
      const small = await upload(trainingJsonl(5));
      const done = await waitFor(
        () => client.files.retrieve(small.id),
        (f) => f.status !== "uploaded",
      );
      expect(done.status).toBe("processed");
      const error = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: small.id }));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ param: "training_file" });
      expect((error as BadRequestError).message).toMatch(/has 5 example\(s\), but must have at least 10 examples/);
      const job = await client.fineTuning.jobs.create({
        model: "gpt-4o-mini",
        training_file: await processedFile(),
        validation_file: small.id,
      });
      expect(job.validation_file).toBe(small.id);
    });

    it.each([
      ["a line that is not JSON", trainingJsonl(12) + "{oops\n", /Line 13 is not valid JSON/],
      ["no assistant message", trainingJsonl(11) + JSON.stringify({ messages: [{ role: "user", content: "hi" }] }), /assistant/],
    ])("ends in error for %s, and a job cannot use it", async (_name, text, details) => {
      const file = await upload(text);
      const done = await waitFor(
        () => client.files.retrieve(file.id),
        (f) => f.status !== "uploaded",
      );
      expect(done.status).toBe("error");
      expect(done.status_details).toMatch(details);
      const error = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: file.id }));
      expect(error).toBeInstanceOf(BadRequestError);
    });

    it("refuses jobs on missing or not-yet-processed files", async () => {
      const missing = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: "file-nope" }));
      expect(missing).toBeInstanceOf(BadRequestError);
      expect(missing).toMatchObject({ type: "invalid_request_error", param: "training_file" });
      await sandbox.setTimings({ fileProcessingMs: Infinity });
      const file = await upload(trainingJsonl(12));
      const notReady = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: file.id }));
      expect(notReady).toBeInstanceOf(BadRequestError);
      expect((notReady as BadRequestError).message).toMatch(/is not ready/);
    });
  });

  describe("fine-tuning jobs", () => {
    it("goes validating_files → queued → running → succeeded, with events", async () => {
      const trainingFile = await processedFile();
      const job = await client.fineTuning.jobs.create({
        model: "gpt-4o-mini",
        training_file: trainingFile,
        suffix: "nl2sql",
        method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2 } } },
      });
      expect(job).toMatchObject({ object: "fine_tuning.job", status: "validating_files", fine_tuned_model: null, error: null });
      const done = await waitFor(
        () => client.fineTuning.jobs.retrieve(job.id),
        (j) => j.status === "succeeded",
      );
      expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini:sandbox:nl2sql:/);
      expect(done.finished_at).toEqual(expect.any(Number));
      expect(done.trained_tokens).toBeGreaterThan(0);
      expect(done.hyperparameters).toEqual({ n_epochs: 2, batch_size: 1, learning_rate_multiplier: 2 });

      const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 100 });
      const messages = events.data.map((e) => e.message).reverse(); // the API lists newest first
      expect(messages).toEqual([
        `Created fine-tuning job: ${job.id}`,
        `Validating training file: ${trainingFile}`,
        "Files validated, moving job to queued state",
        "Fine-tuning job started",
        // One metrics event per step (12 examples × 2 epochs), each exactly once.
        ...Array.from({ length: 24 }, (_, i): unknown => expect.stringMatching(new RegExp(`^Step ${i + 1}/24: training loss=\\d`))),
        `New fine-tuned model created: ${done.fine_tuned_model}`,
        "The job has successfully completed",
      ]);
      expect(events.data[0]).toMatchObject({ object: "fine_tuning.job.event", level: "info", type: "message" });
      expect(events.data[3]).toMatchObject({ type: "metrics", data: { step: 23, total_steps: 24, train_loss: expect.any(Number) } });
      const firstTwo = await client.fineTuning.jobs.listEvents(job.id, { limit: 2 });
      expect(firstTwo.data).toHaveLength(2);
      expect(firstTwo.has_more).toBe(true);
      expect((await firstTwo.getNextPage()).data[0]?.id).toBe(events.data[2]?.id);
    });

    it("lists jobs a page at a time, newest first, after a cursor and by metadata", async () => {
      const trainingFile = await processedFile();
      // Jobs that start at once and train for a minute: any list read shows them running.
      await sandbox.setTimings({ validatingMs: 0, queuedMs: 0, runningMs: 60_000 });
      const made: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const job = await client.fineTuning.jobs.create({
          model: "gpt-4o-mini",
          training_file: trainingFile,
          metadata: { batch: i % 2 ? "odd" : "even" },
        });
        made.push(job.id);
      }
      const newestFirst = [...made].reverse();
      const first = await client.fineTuning.jobs.list({ limit: 2 });
      expect(first.data.map((j) => j.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.has_more).toBe(true);
      const seen: string[] = [];
      for await (const job of client.fineTuning.jobs.list({ limit: 2 })) seen.push(job.id);
      expect(seen).toEqual(newestFirst);
      const last = await client.fineTuning.jobs.list({ limit: 2, after: newestFirst[2] });
      expect(last.data.map((j) => j.id)).toEqual(newestFirst.slice(3));
      expect(last.has_more).toBe(false);
      // A cursor the sandbox never issued ends the list, as OpenAI's does.
      expect((await client.fineTuning.jobs.list({ after: "ftjob-unknown" })).data).toEqual([]);
      const even = await client.fineTuning.jobs.list({ limit: 1, metadata: { batch: "even" } });
      expect(even.data.map((j) => j.id)).toEqual([made[4]]);
      const evenRest = await client.fineTuning.jobs.list({ limit: 5, metadata: { batch: "even" }, after: made[4] });
      expect(evenRest.data.map((j) => j.id)).toEqual([made[2], made[0]]);
      // Each listed job is brought up to date by the list itself (none was read any other way).
      expect((await client.fineTuning.jobs.list({ limit: 5 })).data.map((j) => j.status)).toEqual(Array(5).fill("running"));
    });

    it("cancels a running job for good; a second cancel is refused", async () => {
      await sandbox.setTimings({ runningMs: Infinity });
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: await processedFile() });
      await waitFor(
        () => client.fineTuning.jobs.retrieve(job.id),
        (j) => j.status === "running",
      );
      const cancelled = await client.fineTuning.jobs.cancel(job.id);
      expect(cancelled.status).toBe("cancelled");
      await sandbox.setTimings({ runningMs: 10 }); // would finish it by now, if it could still move
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await client.fineTuning.jobs.retrieve(job.id)).status).toBe("cancelled");
      await expect(sandbox.completeJob(job.id)).rejects.toThrow(/already cancelled/);
      const again = await caught(client.fineTuning.jobs.cancel(job.id));
      expect(again).toBeInstanceOf(BadRequestError);
      const events = await client.fineTuning.jobs.listEvents(job.id);
      expect(events.data[0]?.message).toBe("Fine-tuning job cancelled");
    });

    it("refuses to cancel a succeeded job with 400", async () => {
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: await processedFile() });
      await waitFor(
        () => client.fineTuning.jobs.retrieve(job.id),
        (j) => j.status === "succeeded",
      );
      const error = await caught(client.fineTuning.jobs.cancel(job.id));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400, code: "job_not_cancellable" });
      expect((error as BadRequestError).message).toMatch(/already completed/);
    });

    it("filters the list by metadata and paginates with a cursor", async () => {
      const trainingFile = await processedFile();
      const a = await client.fineTuning.jobs.create({
        model: "gpt-4o-mini",
        training_file: trainingFile,
        metadata: { finetuning_id: "a" },
      });
      const b = await client.fineTuning.jobs.create({
        model: "gpt-4o-mini",
        training_file: trainingFile,
        metadata: { finetuning_id: "b" },
      });
      const found = await client.fineTuning.jobs.list({ metadata: { finetuning_id: "a" } });
      expect(found.data.map((j) => j.id)).toEqual([a.id]);
      const first = await client.fineTuning.jobs.list({ limit: 1 });
      expect(first.data.map((j) => j.id)).toEqual([b.id]); // newest first
      expect(first.hasNextPage()).toBe(true);
      expect((await first.getNextPage()).data.map((j) => j.id)).toEqual([a.id]);
    });

    it("answers unknown ids with 404 and missing auth with 401, in OpenAI's error shape", async () => {
      const error = await caught(client.fineTuning.jobs.retrieve("ftjob-nope"));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).error).toMatchObject({
        type: "invalid_request_error",
        message: expect.stringContaining("ftjob-nope"),
      });
      const response = await fetch(`${sandbox.url}/fine_tuning/jobs`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: null, param: null } });
      const bare = new OpenAI({ apiKey: sandbox.apiKey, baseURL: sandbox.url, maxRetries: 0, defaultHeaders: { Authorization: null } });
      expect(await caught(bare.fineTuning.jobs.list())).toBeInstanceOf(AuthenticationError);
    });
  });

  describe("fault injection", () => {
    it("status 500 → InternalServerError, for exactly `times` requests", async () => {
      sandbox.addFault({ route: "GET /v1/fine_tuning/jobs", fault: { kind: "status", status: 500 }, times: 2 });
      expect(await caught(client.fineTuning.jobs.list())).toBeInstanceOf(InternalServerError);
      expect(await caught(client.fineTuning.jobs.list())).toMatchObject({ status: 500 });
      expect((await client.fineTuning.jobs.list()).data).toEqual([]);
      expect(sandbox.stats().byRoute["GET /v1/fine_tuning/jobs"]).toBe(3);
      expect(sandbox.stats().faults["GET /v1/fine_tuning/jobs"]).toBe(2);
    });

    it("rate_limit → 429 with retry-after; a retrying client gets through", async () => {
      sandbox.addFault({ route: "GET /v1/files/*", fault: { kind: "rate_limit", retryAfterSeconds: 7 } });
      const file = await upload(trainingJsonl(10));
      const error = await caught(client.files.retrieve(file.id));
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).headers?.get("retry-after")).toBe("7");
      sandbox.addFault({ route: "GET /v1/files/*", fault: { kind: "rate_limit", retryAfterSeconds: 0 } });
      const patient = new OpenAI({ apiKey: sandbox.apiKey, baseURL: sandbox.url, maxRetries: 1 });
      expect((await patient.files.retrieve(file.id)).id).toBe(file.id);
      expect(sandbox.stats().byRoute["GET /v1/files/{id}"]).toBe(3);
    });

    it("slow → answers late but correctly; beyond the SDK timeout → APIConnectionTimeoutError", async () => {
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: await processedFile() });
      sandbox.addFault({ route: "GET /v1/fine_tuning/jobs/*", fault: { kind: "slow", delayMs: 150 } });
      const started = Date.now();
      expect((await client.fineTuning.jobs.retrieve(job.id)).id).toBe(job.id);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      sandbox.addFault({ route: "GET /v1/fine_tuning/jobs/*", fault: { kind: "slow", delayMs: 1_000 } });
      const error = await caught(client.fineTuning.jobs.retrieve(job.id, { timeout: 200 }));
      expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    });

    it("drop → APIConnectionError and nothing happened", async () => {
      const trainingFile = await processedFile();
      sandbox.addFault({ route: "POST /v1/fine_tuning/jobs", fault: { kind: "drop" } });
      const error = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: trainingFile }));
      expect(error).toBeInstanceOf(APIConnectionError);
      expect(error).not.toBeInstanceOf(APIConnectionTimeoutError);
      expect(await sandbox.jobs()).toEqual([]);
    });

    it("drop_after_effect → the job exists though the caller saw a connection error", async () => {
      const trainingFile = await processedFile();
      sandbox.addFault({ route: "POST /v1/fine_tuning/jobs", fault: { kind: "drop_after_effect" } });
      const metadata = { finetuning_id: "ours-1" };
      const error = await caught(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: trainingFile, metadata }));
      expect(error).toBeInstanceOf(APIConnectionError);
      const made = await sandbox.jobs();
      expect(made).toHaveLength(1);
      const found = await client.fineTuning.jobs.list({ metadata });
      expect(found.data.map((j) => j.id)).toEqual([made[0]?.id]);
    });

    it("wildcards: `*` is one path segment, a `*` method matches any", async () => {
      await sandbox.setTimings({ runningMs: Infinity }); // still cancellable at the end, however slow the machine
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: await processedFile() });
      sandbox.addFault({ route: "GET /v1/fine_tuning/jobs/*", fault: { kind: "status", status: 503 }, times: 5 });
      expect((await client.fineTuning.jobs.listEvents(job.id)).data.length).toBeGreaterThan(0);
      expect((await client.fineTuning.jobs.list()).data).toHaveLength(1);
      expect(await caught(client.fineTuning.jobs.retrieve(job.id))).toMatchObject({ status: 503 });
      sandbox.clearFaults();
      sandbox.addFault({ route: "* /v1/fine_tuning/**", fault: { kind: "status", status: 502 } });
      expect(await caught(client.fineTuning.jobs.cancel(job.id))).toMatchObject({ status: 502 });
      expect((await client.fineTuning.jobs.cancel(job.id)).status).toBe("cancelled");
    });
  });

  describe("control HTTP API", () => {
    async function control(method: string, path: string, body?: unknown): Promise<unknown> {
      const auth = { authorization: `Bearer ${sandbox.controlToken}` };
      const init: RequestInit =
        body === undefined
          ? { method, headers: auth }
          : { method, body: JSON.stringify(body), headers: { ...auth, "content-type": "application/json" } };
      const response = await fetch(`${sandbox.origin}/_sandbox/${path}`, init);
      expect(response.status, `${method} ${path}`).toBe(200);
      return response.json();
    }

    it("adds and clears faults, lists jobs and files, forces outcomes, changes timings, resets", async () => {
      expect(await control("POST", "config", { runningMs: null, queuedMs: 10 })).toMatchObject({ runningMs: null, queuedMs: 10 });
      const trainingFile = await processedFile();
      const a = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: trainingFile });
      const b = await client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: trainingFile });
      await waitFor(
        () => sandbox.jobs(),
        (jobs) => jobs.every((j) => j.status === "running"),
      );
      expect(await control("POST", `jobs/${a.id}/complete`)).toMatchObject({ id: a.id, status: "succeeded" });
      expect(await control("POST", `jobs/${b.id}/fail`, { message: "GPU on fire" })).toMatchObject({
        status: "failed",
        error: { message: "GPU on fire" },
      });
      expect(await control("GET", "jobs")).toMatchObject({
        data: [
          { id: a.id, status: "succeeded" },
          { id: b.id, status: "failed" },
        ],
      });
      expect(await control("GET", "files")).toMatchObject({ data: [{ id: trainingFile, deleted: false }] });

      await control("POST", "faults", { rules: [{ route: "GET /v1/files/*", fault: { kind: "status", status: 500 }, times: 3 }] });
      expect(await control("GET", "faults")).toMatchObject({ data: [{ route: "GET /v1/files/*", remaining: 3 }] });
      expect(await caught(client.files.retrieve(trainingFile))).toBeInstanceOf(InternalServerError);
      await control("DELETE", "faults");
      expect((await client.files.retrieve(trainingFile)).id).toBe(trainingFile);
      expect(await control("GET", "stats")).toMatchObject({ faults: { "GET /v1/files/{id}": 1 } });

      const headers = { authorization: `Bearer ${sandbox.controlToken}` };
      const bad = await fetch(`${sandbox.origin}/_sandbox/faults`, {
        method: "POST",
        headers,
        body: JSON.stringify({ route: "nope", fault: { kind: "x" } }),
      });
      expect(bad.status).toBe(400);
      const finished = await fetch(`${sandbox.origin}/_sandbox/jobs/${a.id}/complete`, { method: "POST", headers });
      expect(finished.status).toBe(409);

      await control("POST", "reset");
      expect(await control("GET", "jobs")).toEqual({ object: "list", data: [] });
      expect(await control("GET", "stats")).toEqual({ total: 0, byRoute: {}, faults: {} });
      expect(await sandbox.timings()).toEqual({ ...FAST, cancelConfirmMs: 0 });
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { waitFor } from "../helpers/worker";
import type { Db } from "../../server/db";
import type { RunningDispatcher } from "../../server/webhooks/dispatcher";
import { webhookPayloadSchema, type WebhookEventType } from "../../server/webhooks/schema";
import { startReceiver, type Receiver } from "./webhooks-receiver";

// Delivery guarantees against a real receiver on loopback: outages, answers
// that must not be retried, load, the SSRF guard and secret rotation. The
// dispatcher runs in this process with a fast retry schedule.
let db: Db;
let dispatcher: RunningDispatcher;
let receiver: Receiver;

beforeAll(async () => {
  await useIsolatedDatabase();
  process.env.WEBHOOK_ALLOW_PRIVATE = "1";
  db = (await import("../../server/db")).db();
  const { startWebhookDispatcher } = await import("../../server/webhooks/dispatcher");
  dispatcher = await startWebhookDispatcher({
    db,
    pumpMs: 100,
    allowPrivate: true,
    retry: { baseMs: 50, maxMs: 400, giveUpAfterMs: 3_600_000 },
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await dispatcher.stop();
  const { stopQueue } = await import("../../server/worker/queue");
  await stopQueue();
  await receiver.close();
});

async function endpoint(
  path: string,
  eventTypes: WebhookEventType[] = ["job.status_changed", "job.cancelled", "job.failed", "job.succeeded"],
) {
  const { createWebhookEndpoint } = await import("../../server/webhooks/service");
  return createWebhookEndpoint({ db, input: { url: `${receiver.url}${path}`, event_types: eventTypes, enabled: true } });
}

/** A job that moves queued → validating_files → running → `end`, through the real guarded transition. */
async function runJob(end: "succeeded" | "failed" | "cancelled" = "succeeded", connectionId?: string) {
  const { makeJob } = await import("../helpers/factories");
  const { transitionJob } = await import("../../server/finetuning/transitions");
  const job = await makeJob(db, { status: "queued", ...(connectionId ? { dbConnectionId: connectionId } : {}) });
  await transitionJob({ db, id: job.id, from: ["queued"], to: "validating_files", actor: "worker" });
  await transitionJob({ db, id: job.id, from: ["validating_files"], to: "running", actor: "worker" });
  await transitionJob({ db, id: job.id, from: ["running"], to: end, actor: "worker", reason: `test ${end}` });
  return job.id;
}

function at(path: string) {
  return receiver.received.filter((r) => r.path === `/hooks${path}`);
}

/** Each test's endpoint goes when it is done, so later tests' changes are not sent to it. */
async function remove(endpointId: string) {
  const { deleteWebhookEndpoint } = await import("../../server/webhooks/service");
  await deleteWebhookEndpoint({ db, id: endpointId });
}

async function outbox(endpointId: string) {
  return db.webhookDelivery.findMany({
    where: { endpointId },
    orderBy: { seq: "asc" },
    select: {
      id: true,
      state: true,
      attempts: true,
      lastStatus: true,
      lastError: true,
      responseExcerpt: true,
      nextAttemptAt: true,
      lockedUntil: true,
    },
  });
}

describe("webhook delivery", () => {
  it("a receiver down for a while gets every event once it is back: none lost, one id per message", async () => {
    const { endpoint: ep, secret } = await endpoint("/outage");
    await receiver.stop();
    const jobs: string[] = [];
    for (let i = 0; i < 5; i++) jobs.push(await runJob(i % 2 ? "cancelled" : "succeeded"));
    // Each job's oldest message is retried while it is down; the newer ones wait behind it.
    await waitFor(
      () => outbox(ep.id),
      (rows) => rows.length === 20 && rows.filter((r) => r.attempts >= 2 && r.lastError?.startsWith("connection")).length === 5,
      30_000,
    );
    await receiver.start();
    const rows = await waitFor(
      () => outbox(ep.id),
      (r) => r.every((d) => d.state === "delivered"),
      60_000,
    );

    const got = at("/outage");
    const wh = new Webhook(secret);
    const bodyById = new Map<string, string>();
    for (const r of got) {
      webhookPayloadSchema.parse(wh.verify(r.body, r.headers));
      // Delivered again at most with the same id and the same body.
      expect(bodyById.get(r.id) ?? r.body).toBe(r.body);
      bodyById.set(r.id, r.body);
    }
    expect(new Set(got.map((r) => r.id))).toEqual(new Set(rows.map((r) => `msg_${r.id}`)));
    // Every change of every job, per job in order of the changes.
    for (const id of jobs) {
      const events = got.map((r) => webhookPayloadSchema.parse(JSON.parse(r.body))).filter((p) => p.data.job.id === id);
      const statuses = events.filter((p) => p.type === "job.status_changed").map((p) => p.data.change.to);
      expect([...new Set(statuses)]).toEqual(["validating_files", "running", statuses.at(-1)]);
      const eventIds = events.map((p) => Number(p.data.change.event_id));
      expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    }
    await remove(ep.id);
  }, 120_000);

  it("a 400 is not retried; a 429 is, after its Retry-After", async () => {
    receiver.answer = (r) => (r.path === "/hooks/bad" ? { status: 400, body: "no such thing" } : { status: 200, body: "ok" });
    const bad = await endpoint("/bad", ["job.failed"]);
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const { makeJob } = await import("../helpers/factories");
    const job = await makeJob(db, { status: "running" });
    await transitionJob({ db, id: job.id, from: ["running"], to: "failed", actor: "provider" });
    const [failed] = await waitFor(
      () => outbox(bad.endpoint.id),
      (rows) => rows[0]?.state === "failed",
      20_000,
    );
    expect(failed).toMatchObject({ attempts: 1, lastStatus: 400, responseExcerpt: "no such thing" });

    let first = true;
    receiver.answer = (r) => {
      if (r.path === "/hooks/bad") return { status: 400 };
      if (r.path !== "/hooks/busy") return { status: 200 };
      const answer = first ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
      first = false;
      return answer;
    };
    const busy = await endpoint("/busy", ["job.failed"]);
    const job2 = await makeJob(db, { status: "running" });
    await transitionJob({ db, id: job2.id, from: ["running"], to: "failed", actor: "provider" });
    const [retried] = await waitFor(
      () => outbox(busy.endpoint.id),
      (rows) => rows[0]?.state === "delivered",
      20_000,
    );
    expect(retried?.attempts).toBe(2);
    // The 400s were left alone meanwhile: one attempt each.
    const badRows = await waitFor(
      () => outbox(bad.endpoint.id),
      (rows) => rows.length === 2 && rows.every((r) => r.state === "failed"),
      20_000,
    );
    expect(badRows.map((r) => r.attempts)).toEqual([1, 1]);
    expect(
      at("/bad")
        .map((r) => r.id)
        .sort(),
    ).toEqual(badRows.map((r) => `msg_${r.id}`).sort());
    receiver.answer = () => ({ status: 200, body: "ok" });
    await remove(bad.endpoint.id);
    await remove(busy.endpoint.id);
  }, 60_000);

  it("1,000 job changes under load are all delivered, each once", async () => {
    const { endpoint: ep, secret } = await endpoint("/load", ["job.status_changed"]);
    const { makeConnection } = await import("../helpers/factories");
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const { connection } = await makeConnection(db, { goldenRecords: 0 });
    const jobs = await db.finetuningJob.createManyAndReturn({
      data: Array.from({ length: 500 }, () => ({ dbConnectionId: connection.id, modelName: "gpt-4o-mini-2024-07-18" })),
      select: { id: true },
    });
    // Two changes per job, 20 jobs at a time.
    for (let i = 0; i < jobs.length; i += 20) {
      await Promise.all(
        jobs.slice(i, i + 20).map(async ({ id }) => {
          await transitionJob({ db, id, from: ["queued"], to: "validating_files", actor: "worker" });
          await transitionJob({ db, id, from: ["validating_files"], to: "running", actor: "worker" });
        }),
      );
    }
    await waitFor(
      () => db.webhookDelivery.count({ where: { endpointId: ep.id, state: "delivered" } }),
      (n) => n === 1_000,
      120_000,
    );
    const got = at("/load");
    const wh = new Webhook(secret);
    const changes = new Set(got.map((r) => webhookPayloadSchema.parse(wh.verify(r.body, r.headers)).data.change.event_id));
    expect(changes.size).toBe(1_000);
    expect(new Set(got.map((r) => r.id)).size).toBe(1_000);
    await remove(ep.id);
  }, 180_000);

  it("an endpoint failing for a day is disabled and flagged, keeps its messages, and sends them when enabled again", async () => {
    const { endpoint: ep } = await endpoint("/flaky", ["job.cancelled"]);
    receiver.answer = (r) => (r.path === "/hooks/flaky" ? { status: 503 } : { status: 200 });
    const job = await runJob("cancelled");
    await waitFor(
      async () => ({
        e: await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id }, select: { failingSince: true } }),
        o: await outbox(ep.id),
      }),
      ({ e }) => e.failingSince !== null,
      20_000,
    );
    // A day passes.
    await db.$executeRaw`UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = ${ep.id}::uuid`;
    const { getWebhookEndpoint, updateWebhookEndpoint } = await import("../../server/webhooks/service");
    const disabled = await waitFor(
      () => getWebhookEndpoint({ db, id: ep.id }),
      (e) => !e.enabled,
      20_000,
    );
    expect(disabled.disabled_at).not.toBeNull();
    expect(disabled.disabled_reason).toMatch(/Every delivery failed since .*HTTP 503/);
    expect((await outbox(ep.id))[0]?.state).toBe("pending");

    receiver.answer = () => ({ status: 200 });
    const enabled = await updateWebhookEndpoint({ db, input: { endpoint_id: ep.id, enabled: true } });
    expect(enabled).toMatchObject({ enabled: true, disabled_at: null, disabled_reason: null, failing_since: null });
    const [delivered] = await waitFor(
      () => outbox(ep.id),
      (rows) => rows[0]?.state === "delivered",
      20_000,
    );
    const tries = at("/flaky");
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tries.map((r) => r.id))).toEqual(new Set([`msg_${delivered?.id}`]));
    expect(tries.every((r) => r.body.includes(job))).toBe(true);
    await remove(ep.id);
  }, 60_000);

  it("Replay sends a delivery again with the same id and body, signed anew", async () => {
    const { endpoint: ep, secret } = await endpoint("/replay", ["job.succeeded"]);
    await runJob("succeeded");
    const [row] = await waitFor(
      () => outbox(ep.id),
      (rows) => rows[0]?.state === "delivered",
      20_000,
    );
    const { replayWebhookDelivery } = await import("../../server/webhooks/service");
    const replayed = await replayWebhookDelivery({ db, messageId: `msg_${row?.id}` });
    expect(replayed.state).toBe("pending");
    await waitFor(
      () => at("/replay"),
      (got) => got.length === 2,
      20_000,
    );
    const [one, two] = at("/replay");
    expect(two?.id).toBe(one?.id);
    expect(two?.body).toBe(one?.body);
    const wh = new Webhook(secret);
    expect(() => wh.verify(two?.body ?? "", two?.headers ?? {})).not.toThrow();
    const after = await waitFor(
      () => outbox(ep.id),
      (rows) => rows[0]?.state === "delivered",
      20_000,
    );
    expect(after[0]?.attempts).toBe(2);
    await remove(ep.id);
  }, 60_000);

  it("pause, resume and checkpoints notify: job.paused, job.resumed, job.checkpoint_created (once per checkpoint)", async () => {
    const { endpoint: ep, secret } = await endpoint("/progress", ["job.paused", "job.resumed", "job.checkpoint_created"]);
    const { makeJob } = await import("../helpers/factories");
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const job = await makeJob(db, { status: "running" });
    await transitionJob({ db, id: job.id, from: ["running"], to: "paused", actor: "user:ops@example.com", reason: "looking at the loss" });
    await transitionJob({ db, id: job.id, from: ["paused"], to: "running", actor: "user:ops@example.com", reason: "resumed" });
    // Stored the way the worker stores what the provider lists: twice, kept once.
    const checkpoint = {
      jobId: job.id,
      providerCheckpointId: "ftckpt_e2",
      model: "ft:gpt-4o-mini:ckpt-step-20",
      step: 20,
      metrics: { train_loss: 0.42 },
      createdAt: new Date(),
    };
    await db.jobCheckpoint.createMany({ data: [checkpoint], skipDuplicates: true });
    await db.jobCheckpoint.createMany({ data: [checkpoint], skipDuplicates: true });

    const rows = await waitFor(
      () => outbox(ep.id),
      (r) => r.length === 3 && r.every((d) => d.state === "delivered"),
      20_000,
    );
    expect(rows).toHaveLength(3);
    const wh = new Webhook(secret);
    const got = at("/progress").map((r) => webhookPayloadSchema.parse(wh.verify(r.body, r.headers)));
    expect(got.map((p) => p.type)).toEqual(["job.paused", "job.resumed", "job.checkpoint_created"]);
    expect(got[0]?.data).toMatchObject({
      job: { id: job.id, status: "paused" },
      change: { from: "running", to: "paused", actor: "user:ops@example.com", reason: "looking at the loss" },
    });
    expect(got[1]?.data.job.status).toBe("running");
    expect(got[2]?.data.change).toMatchObject({
      kind: "checkpoint_created",
      event_id: "ftckpt_e2",
      metadata: { model: checkpoint.model, step: 20 },
    });
    await remove(ep.id);
  }, 60_000);

  it("secret rotation: both secrets sign during the grace period, only the new one after", async () => {
    const { endpoint: ep, secret: oldSecret } = await endpoint("/rotate", ["job.cancelled"]);
    const { rotateWebhookSecret } = await import("../../server/webhooks/service");
    const rotated = await rotateWebhookSecret({ db, id: ep.id, graceSeconds: 3600 });
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.endpoint.previous_secret_expires_at).not.toBeNull();
    await runJob("cancelled");
    const [during] = await waitFor(
      () => at("/rotate"),
      (got) => got.length === 1,
      20_000,
    );
    expect(during?.signature.split(" ")).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(during?.body ?? "", during?.headers ?? {})).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(during?.body ?? "", during?.headers ?? {})).not.toThrow();

    const final = await rotateWebhookSecret({ db, id: ep.id, graceSeconds: 0 });
    await runJob("cancelled");
    const got = await waitFor(
      () => at("/rotate"),
      (g) => g.length === 2,
      20_000,
    );
    const last = got[1];
    expect(last?.signature.split(" ")).toHaveLength(1);
    expect(() => new Webhook(final.secret).verify(last?.body ?? "", last?.headers ?? {})).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(last?.body ?? "", last?.headers ?? {})).toThrow(/signature/);
    expect(() => new Webhook(oldSecret).verify(last?.body ?? "", last?.headers ?? {})).toThrow(/signature/);
  }, 60_000);
});

describe("the retry schedule", () => {
  it("doubles up to its ceiling, with jitter, and waits at least what Retry-After asks", async () => {
    const { retryDelayMs } = await import("../../server/webhooks/attempt");
    const { parseRetryAfter } = await import("../../server/webhooks/send");
    const policy = { baseMs: 1_000, maxMs: 60_000 };
    expect(retryDelayMs(1, policy, null, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, null, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, policy, null, () => 1)).toBe(8_000);
    expect(retryDelayMs(40, policy, null, () => 1)).toBe(60_000);
    expect(retryDelayMs(1, policy, 30_000, () => 0)).toBe(30_000);
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(60_000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

describe("the SSRF guard", () => {
  const refused = [
    "http://127.0.0.1/x",
    "http://localhost:3000/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://0.0.0.0/x",
    "http://10.1.2.3/x",
    "http://172.16.0.1/x",
    "http://192.168.1.10/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/x",
    "http://224.0.0.1/x",
    "http://255.255.255.255/x",
  ];

  it("refuses loopback, private, link-local, metadata and other non-public addresses, after DNS", async () => {
    const { resolveWebhookTarget, RefusedTargetError } = await import("../../server/webhooks/address-guard");
    for (const url of refused) {
      await expect(resolveWebhookTarget(url, { allowPrivate: false }), url).rejects.toBeInstanceOf(RefusedTargetError);
    }
    await expect(resolveWebhookTarget("ftp://example.com/x", { allowPrivate: false })).rejects.toBeInstanceOf(RefusedTargetError);
    await expect(resolveWebhookTarget("http://93.184.215.14/x", { allowPrivate: false })).resolves.toMatchObject({
      address: "93.184.215.14",
    });
    await expect(resolveWebhookTarget("http://127.0.0.1/x", { allowPrivate: true })).resolves.toMatchObject({ address: "127.0.0.1" });
  });

  it("refuses such an endpoint at registration and at every attempt; the receiver never hears of it", async () => {
    const { createWebhookEndpoint } = await import("../../server/webhooks/service");
    await expect(
      createWebhookEndpoint({
        db,
        input: { url: `${receiver.url}/ssrf`, event_types: ["job.failed"], enabled: true },
        allowPrivate: false,
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      field: "url",
    });
    const { postWebhook } = await import("../../server/webhooks/send");
    const result = await postWebhook({ url: `${receiver.url}/ssrf`, body: "{}", headers: {}, allowPrivate: false });
    expect(result).toMatchObject({ ok: false, retryable: false, status: null });
    expect(result.error).toMatch(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
    expect(at("/ssrf")).toHaveLength(0);
  });

  it("does not follow redirects and reads at most a few KB of an answer", async () => {
    receiver.answer = (r) =>
      r.path === "/hooks/redirect"
        ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } }
        : r.path === "/hooks/big"
          ? { status: 200, body: "x".repeat(1_000_000) }
          : { status: 200 };
    const { postWebhook, RESPONSE_EXCERPT_BYTES } = await import("../../server/webhooks/send");
    const redirected = await postWebhook({ url: `${receiver.url}/redirect`, body: "{}", headers: {}, allowPrivate: true });
    expect(redirected).toMatchObject({ ok: false, retryable: false, status: 302 });
    expect(at("/elsewhere")).toHaveLength(0);
    const big = await postWebhook({ url: `${receiver.url}/big`, body: "{}", headers: {}, allowPrivate: true });
    expect(big.ok).toBe(true);
    expect(big.excerpt?.length).toBe(RESPONSE_EXCERPT_BYTES);
    // A receiver that never answers is cut off at the timeout, and that is worth a retry.
    receiver.answer = (r) => (r.path === "/hooks/silent" ? "hang" : { status: 200 });
    const silent = await postWebhook({ url: `${receiver.url}/silent`, body: "{}", headers: {}, allowPrivate: true, timeoutMs: 300 });
    expect(silent).toMatchObject({ ok: false, retryable: true, status: null, error: "timed out after 300 ms" });
    receiver.answer = () => ({ status: 200, body: "ok" });
  });
});

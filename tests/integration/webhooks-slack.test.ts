import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { waitFor } from "../helpers/worker";
import type { Db } from "../../server/db";
import type { RunningDispatcher } from "../../server/webhooks/dispatcher";
import type { WebhookEventType, WebhookFormat } from "../../server/webhooks/schema";
import { startReceiver, type Receiver } from "./webhooks-receiver";

// Slack as a webhook format: a real receiver on loopback standing in for
// Slack's incoming-webhook URL, the dispatcher in this process, the outbox
// filled by real transitions and events.
const APP_URL = "https://control-room.example.com";
let db: Db;
let dispatcher: RunningDispatcher;
let receiver: Receiver;

beforeAll(async () => {
  await useIsolatedDatabase();
  process.env.APP_URL = APP_URL;
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

async function endpoint(path: string, format: WebhookFormat, eventTypes: WebhookEventType[]) {
  const { createWebhookEndpoint } = await import("../../server/webhooks/service");
  return createWebhookEndpoint({ db, input: { url: `${receiver.url}${path}`, format, event_types: eventTypes, enabled: true } });
}

/** A running job with a known cost: 100,000 training tokens × 1 epoch at $3 per 1M, half trained. */
async function runningJob(alias: string) {
  const { makeJob } = await import("../helpers/factories");
  const job = await makeJob(db, { status: "running", alias });
  await db.finetuningJob.update({ where: { id: job.id }, data: { trainingFileTokens: 100_000, step: 10, totalSteps: 20 } });
  return job;
}

type SlackMessage = {
  text: string;
  blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { url: string }[] }[];
};
const messagesAt = (path: string) =>
  receiver.received.filter((r) => r.path === `/hooks${path}`).map((r) => ({ ...r, message: JSON.parse(r.body) as SlackMessage }));

describe("Slack-format webhook endpoints", () => {
  it("send a guardrail trip, a failure and a cancel as Slack messages: the job, what happened, the reason, the cost and a link", async () => {
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const slack = await endpoint("/slack", "slack", ["guardrail.triggered", "job.failed", "job.cancelled"]);
    const standard = await endpoint("/standard", "standard", ["job.failed"]);

    const tripped = await runningJob("nightly <sales> & co");
    await db.jobEvent.create({
      data: { jobId: tripped.id, kind: "guardrail_triggered", actor: "guardrail", reason: "train loss 9.1 > 4 → cancel" },
    });
    await transitionJob({ db, id: tripped.id, from: ["running"], to: "cancelled", actor: "guardrail", reason: "stopped by a guardrail" });
    const failed = await runningJob("weekly");
    await transitionJob({ db, id: failed.id, from: ["running"], to: "failed", actor: "worker", reason: "provider: training file invalid" });

    const got = await waitFor(
      () => messagesAt("/slack"),
      (m) => m.length >= 3,
    );
    await waitFor(
      () => messagesAt("/standard"),
      (m) => m.length >= 1,
    );
    expect(got).toHaveLength(3);
    // One job's messages keep their order; two jobs' may interleave.
    const find = (start: string) => got.map((r) => r.message).find((m) => m.text.startsWith(start));
    const [trip, cancel, failure] = [find("A guardrail tripped"), find("The job was cancelled"), find("The job failed")];
    expect(got.map((r) => r.message.text).indexOf(trip!.text)).toBeLessThan(got.map((r) => r.message.text).indexOf(cancel!.text));
    expect(trip!.text).toContain("A guardrail tripped: nightly &lt;sales&gt; &amp; co (running). train loss 9.1 &gt; 4 → cancel.");
    expect(trip!.text).toContain("Cost: $0.15 of ~$0.30");
    expect(trip!.text).toContain(`${APP_URL}/jobs/${tripped.id}`);
    expect(trip!.blocks[0]?.text?.text).toBe(
      `:rotating_light: *A guardrail tripped*: <${APP_URL}/jobs/${tripped.id}|nightly &lt;sales&gt; &amp; co>`,
    );
    expect(trip!.blocks[1]?.fields?.map((f) => f.text)).toEqual([
      `*Job*\nnightly &lt;sales&gt; &amp; co\n\`${tripped.id}\``,
      "*Status*\nrunning",
      "*Reason*\ntrain loss 9.1 &gt; 4 → cancel",
      "*Cost*\n$0.15 of ~$0.30",
    ]);
    expect(trip!.blocks[2]?.elements?.[0]?.url).toBe(`${APP_URL}/jobs/${tripped.id}`);
    expect(cancel!.text).toMatch(/^The job was cancelled: nightly .*\(cancelled\)\. stopped by a guardrail\./);
    expect(failure!.text).toMatch(/^The job failed: weekly \(failed\)\. provider: training file invalid\./);

    // Slack checks no signature: each message carries its id, not a Standard Webhooks signature.
    for (const r of got) {
      expect(r.id).toMatch(/^msg_/);
      expect(r.signature).toBe("");
      expect(r.headers["content-type"]).toBe("application/json");
    }
    // The signed format is unchanged beside it.
    const [signed] = messagesAt("/standard");
    expect(signed?.signature).toMatch(/^v1,/);
    expect(JSON.parse(signed!.body)).toMatchObject({ type: "job.failed", data: { job: { id: failed.id } } });
    expect(slack.endpoint.format).toBe("slack");
    expect(standard.endpoint.format).toBe("standard");
  });

  it("are retried like the signed format, with the same id, until Slack takes the message", async () => {
    const { transitionJob } = await import("../../server/finetuning/transitions");
    const { deleteWebhookEndpoint } = await import("../../server/webhooks/service");
    await endpoint("/flaky", "slack", ["job.failed"]);
    let answered = 0;
    receiver.answer = (r) =>
      r.path === "/hooks/flaky" && answered++ < 2 ? { status: 500, body: "internal_error" } : { status: 200, body: "ok" };
    const job = await runningJob("flaky");
    await transitionJob({ db, id: job.id, from: ["running"], to: "failed", actor: "worker", reason: "boom" });
    const got = await waitFor(
      () => messagesAt("/flaky"),
      (m) => m.length >= 3,
    );
    expect(new Set(got.map((r) => r.id)).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    const delivery = await waitFor(
      () =>
        db.webhookDelivery.findFirstOrThrow({
          where: { jobId: job.id, eventType: "job.failed", endpoint: { url: { endsWith: "/flaky" } } },
        }),
      (d) => d.state === "delivered",
    );
    expect(delivery).toMatchObject({ attempts: 3, lastStatus: 200 });
    receiver.answer = () => ({ status: 200, body: "ok" });
    await deleteWebhookEndpoint({ db, id: delivery.endpointId });
  });

  it("take only the events worth a person's attention, and the same address rules as the signed format", async () => {
    const { createWebhookEndpoint, updateWebhookEndpoint } = await import("../../server/webhooks/service");
    const { createWebhookEndpointInputSchema } = await import("../../server/webhooks/schema");
    const parsed = createWebhookEndpointInputSchema.safeParse({
      url: "https://hooks.slack.com/services/T/B/x",
      format: "slack",
      event_types: ["job.created"],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["event_types"]);
    await expect(endpoint("/nope", "slack", ["job.status_changed"])).rejects.toMatchObject({ code: "BAD_REQUEST", field: "event_types" });
    const standard = await endpoint("/switch", "standard", ["job.created", "job.failed"]);
    await expect(updateWebhookEndpoint({ db, input: { endpoint_id: standard.endpoint.id, format: "slack" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      field: "event_types",
    });
    const switched = await updateWebhookEndpoint({
      db,
      input: { endpoint_id: standard.endpoint.id, format: "slack", event_types: ["job.failed"] },
    });
    expect(switched).toMatchObject({ format: "slack", event_types: ["job.failed"] });
    await expect(
      createWebhookEndpoint({
        db,
        allowPrivate: false,
        input: { url: "http://169.254.169.254/latest/meta-data", format: "slack", event_types: ["job.failed"], enabled: true },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", field: "url" });
  });
});

import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";
import { startReceiver, type Receiver } from "../integration/webhooks-receiver";
import type { Db } from "../../server/db";

// Receivers are outside our control, and so is what they answer: nothing
// they send may stop the bookkeeping, and no answer may keep a message going
// round for ever. The SSRF guard and the delivery log's cursor, from the same review.

let db: Db;
let receiver: Receiver;
beforeAll(async () => {
  await useIsolatedDatabase();
  db = (await import("../../server/db")).db();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const POLICY = { baseMs: 50, maxMs: 400, giveUpAfterMs: 3_600_000 };

/** An endpoint at the receiver, and one job change queued for it; returns what attemptDelivery needs. */
async function queued(path: string): Promise<{ endpointId: string; jobId: string }> {
  const { createWebhookEndpoint } = await import("../../server/webhooks/service");
  const { makeJob } = await import("../helpers/factories");
  const { transitionJob } = await import("../../server/finetuning/transitions");
  const { endpoint } = await createWebhookEndpoint({
    db,
    input: { url: `${receiver.url}${path}`, event_types: ["job.cancelled"], enabled: true },
    allowPrivate: true,
  });
  const job = await makeJob(db, { status: "queued" });
  await transitionJob({ db, id: job.id, from: ["queued"], to: "cancelled", actor: "operator" });
  return { endpointId: endpoint.id, jobId: job.id };
}

async function attempt(target: { endpointId: string; jobId: string }) {
  const { attemptDelivery } = await import("../../server/webhooks/attempt");
  return attemptDelivery({ db, ...target, allowPrivate: true, policy: POLICY });
}

const deliveriesOf = (endpointId: string) => db.webhookDelivery.findMany({ where: { endpointId } });

describe("review 3: a receiver answering with a NUL byte", () => {
  it("is recorded (the NUL replaced) and not sent again, whether it answered 200 or 400", async () => {
    for (const status of [200, 400]) {
      receiver.answer = () => ({ status, body: "ok\u0000then" });
      const target = await queued(`/nul-${status}`);
      expect(await attempt(target)).toBe("next");
      const [delivery] = await deliveriesOf(target.endpointId);
      expect(delivery?.state).toBe(status === 200 ? "delivered" : "failed");
      expect(delivery?.lockedUntil).toBeNull();
      expect(delivery?.responseExcerpt).toBe("ok\uFFFDthen");
      expect(await attempt(target)).toBe("wait"); // nothing left to send
      expect(receiver.received.filter((r) => r.path === `/hooks/nul-${status}`)).toHaveLength(1);
    }
  });

  it("a delivery whose bookkeeping fails is marked failed with the reason, never left to be sent again", async () => {
    receiver.answer = () => ({ status: 200, body: "fine" });
    const target = await queued("/books-fail");
    // The database refuses the outcome's write (as it refused a NUL), for this endpoint's rows only.
    const fn = `refuse_${randomUUID().replaceAll("-", "")}`;
    await db.$executeRawUnsafe(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.state = 'delivered' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER ${fn} BEFORE UPDATE ON webhook_deliveries FOR EACH ROW WHEN (NEW.endpoint_id = '${target.endpointId}') EXECUTE FUNCTION ${fn}()`,
    );
    try {
      expect(await attempt(target)).toBe("next");
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER ${fn} ON webhook_deliveries`);
      await db.$executeRawUnsafe(`DROP FUNCTION ${fn}()`);
    }
    const [delivery] = await deliveriesOf(target.endpointId);
    expect(delivery?.state).toBe("failed");
    expect(delivery?.lastError).toContain("refused for the test");
    expect(delivery?.lockedUntil).toBeNull();
  });
});

describe("review 3: IPv4-compatible IPv6 (::/96) is refused", () => {
  it("::7f00:1 and its neighbours are not public", async () => {
    const { isPublicAddress } = await import("../../server/webhooks/address-guard");
    for (const address of ["::7f00:1", "::a00:1", "::a9fe:a9fe", "::808:808"]) expect(isPublicAddress(address), address).toBe(false);
    expect(isPublicAddress("2606:4700:4700::1111")).toBe(true);
  });

  it("an endpoint at http://[::7f00:1]/ is refused at registration", async () => {
    const { createWebhookEndpoint } = await import("../../server/webhooks/service");
    await expect(
      createWebhookEndpoint({
        db,
        input: { url: "http://[::7f00:1]:9/hook", event_types: ["job.cancelled"], enabled: true },
        allowPrivate: false,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("review 3: the delivery log's cursor", () => {
  it("one above int8 is a 400 naming the cursor, not a 500", async () => {
    const { createCaller } = await import("../../server/trpc/root");
    const { createApiKey } = await import("../../server/auth/admin");
    const { key } = await createApiKey({ name: "cursor", role: "admin" });
    const { unreachableProvider } = await import("../helpers/provider");
    const caller = createCaller({ db, provider: unreachableProvider(), headers: new Headers({ authorization: `Bearer ${key}` }) });
    const target = await queued("/cursor");
    for (const cursor of ["9223372036854775808", "9999999999999999999"]) {
      await expect(caller.webhooks.deliveries({ endpoint_id: target.endpointId, cursor })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(caller.webhooks.deliveries({ endpoint_id: target.endpointId, cursor: "9223372036854775807" })).resolves.toMatchObject({
      items: expect.any(Array) as unknown,
    });
  });
});

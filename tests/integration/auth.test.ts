import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../server/auth/admin";
import { db } from "../../server/db";
import { callerAs } from "../helpers/callers";
import { makeJob } from "../helpers/factories";
import { startApiServer, trpcClient } from "../helpers/http";
import { unreachableProvider } from "../helpers/provider";
import { createCaller } from "../../server/trpc/root";

let api: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api.close();
});

const provider = unreachableProvider();

describe("auth through createCaller", () => {
  it("refuses a call without credentials", async () => {
    const caller = createCaller({ db: db(), provider, headers: new Headers() });
    await expect(caller.finetuning.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("lets a viewer read but not cancel; an operator cancels", async () => {
    const job = await makeJob(db(), { status: "running" });
    const viewer = await callerAs("viewer", provider);
    await expect(viewer.finetuning.get({ finetuning_id: job.id })).resolves.toMatchObject({ id: job.id });
    await expect(viewer.finetuning.cancel({ finetuning_id: job.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");
    const operator = await callerAs("operator", provider);
    await expect(operator.finetuning.cancel({ finetuning_id: job.id })).resolves.toMatchObject({ status: "cancelled" });
  });
});

describe("auth over HTTP", () => {
  it("answers 401 without credentials and with a garbage key", async () => {
    const anonymous = await fetch(`${api.origin}/api/trpc/finetuning.list`);
    expect(anonymous.status).toBe(401);
    const garbage = await fetch(`${api.origin}/api/trpc/finetuning.list`, { headers: { authorization: "Bearer not-a-key" } });
    expect(garbage.status).toBe(401);
    expect(await garbage.text()).not.toContain("at ");
  });

  it("answers 403 to a viewer's cancel and 200 to an operator's", async () => {
    const job = await makeJob(db(), { status: "queued" });
    const viewerKey = await createApiKey({ name: "http-viewer", role: "viewer" });
    const viewer = trpcClient(api.origin, { authorization: `Bearer ${viewerKey.key}` });
    await expect(viewer.finetuning.cancel.mutate({ finetuning_id: job.id })).rejects.toMatchObject({
      data: { code: "FORBIDDEN", httpStatus: 403 },
    });
    const operatorKey = await createApiKey({ name: "http-operator", role: "operator" });
    const operator = trpcClient(api.origin, { authorization: `Bearer ${operatorKey.key}` });
    await expect(operator.finetuning.cancel.mutate({ finetuning_id: job.id })).resolves.toMatchObject({ status: "cancelled" });
  });

  it("refuses a revoked key", async () => {
    const { id, key } = await createApiKey({ name: "soon-revoked", role: "operator" });
    const client = trpcClient(api.origin, { authorization: `Bearer ${key}` });
    await expect(client.finetuning.list.query({})).resolves.toHaveProperty("items");
    expect(await revokeApiKey(id)).toBe(true);
    await expect(client.finetuning.list.query({})).rejects.toMatchObject({ data: { code: "UNAUTHORIZED", httpStatus: 401 } });
  });

  it("stores keys hashed", async () => {
    const { id, key } = await createApiKey({ name: "hashed", role: "viewer" });
    const row = await db().apikey.findUniqueOrThrow({ where: { id } });
    expect(row.key).not.toBe(key);
    expect(row.key).not.toContain(key.slice(10));
  });
});

describe("browser sessions", () => {
  async function sessionCookie(role: "viewer" | "operator"): Promise<string> {
    const { createUser } = await import("../../server/auth/admin");
    const { auth } = await import("../../server/auth/auth");
    const email = `${role}-${Date.now()}@example.test`;
    await createUser({ email, password: "correct-horse-1", role });
    const response = await auth().api.signInEmail({ body: { email, password: "correct-horse-1" }, asResponse: true });
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect(cookie).toContain("session_token");
    return cookie;
  }

  it("lets a signed-in operator cancel from the same origin, and refuses a cross-site request", async () => {
    const cookie = await sessionCookie("operator");
    const job = await makeJob(db(), { status: "running" });
    const call = (origin: string) =>
      fetch(`${api.origin}/api/trpc/finetuning.cancel`, {
        method: "POST",
        headers: { cookie, origin, "content-type": "application/json" },
        body: JSON.stringify({ finetuning_id: job.id }),
      });
    const crossSite = await call("https://evil.example");
    expect(crossSite.status).toBe(403);
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");
    const sameOrigin = await call(api.origin);
    expect(sameOrigin.status).toBe(200);
    const events = await db().jobEvent.findMany({ where: { jobId: job.id } });
    expect(events[0]?.actor).toMatch(/^user:operator-/);
  });

  it("lets a signed-in viewer read but not cancel", async () => {
    const cookie = await sessionCookie("viewer");
    const job = await makeJob(db(), { status: "running" });
    const read = await fetch(
      `${api.origin}/api/trpc/finetuning.get?input=${encodeURIComponent(JSON.stringify({ finetuning_id: job.id }))}`,
      { headers: { cookie } },
    );
    expect(read.status).toBe(200);
    const cancel = await fetch(`${api.origin}/api/trpc/finetuning.cancel`, {
      method: "POST",
      headers: { cookie, origin: api.origin, "content-type": "application/json" },
      body: JSON.stringify({ finetuning_id: job.id }),
    });
    expect(cancel.status).toBe(403);
  });
});

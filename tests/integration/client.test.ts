import "../helpers/env";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import { createFinetuningClient, FinetuningApiError, isFinetuningApiError } from "../../server/client/index";
import { db } from "../../server/db";
import { currentFeedPosition } from "../../server/finetuning/changes";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";
import { apiKey, startRestServer, type RestServer } from "../helpers/rest";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

let api: RestServer;
let operator: string;
beforeAll(async () => {
  api = await startRestServer();
  operator = await apiKey("operator", "client-test");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

describe("createFinetuningClient", () => {
  it("round-trips create, list, cancel and get with types", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const client = createFinetuningClient({ url: `${api.origin}/`, apiKey: operator });

    const created = await client.finetuning.create.mutate({
      db_connection_id: connection.id,
      alias: "typed",
      metadata: { from: "client" },
    });
    expect(created).toMatchObject({ status: "queued", alias: "typed", db_connection_id: connection.id });

    // Two calls at once travel as one batch.
    const [page, fetched] = await Promise.all([
      client.finetuning.list.query({ db_connection_id: connection.id }),
      client.finetuning.get.query({ finetuning_id: created.id }),
    ]);
    expect(page.items.map((j) => j.id)).toEqual([created.id]);
    expect(fetched.id).toBe(created.id);

    const cancelled = await client.finetuning.cancel.mutate({ finetuning_id: created.id, metadata: { reason: "typed client" } });
    expect(cancelled).toMatchObject({
      status: "cancelled",
      error: "Fine tuning cancelled by the user",
      metadata: { from: "client", reason: "typed client" },
    });
    const after = await client.finetuning.get.query({ finetuning_id: created.id });
    expect(after.status).toBe("cancelled");
  });

  it("rejects with the contract's code", async () => {
    const client = createFinetuningClient({ url: api.origin, apiKey: operator });
    const error: unknown = await client.finetuning.get.query({ finetuning_id: randomUUID() }).catch((e: unknown) => e);
    expect(isFinetuningApiError(error)).toBe(true);
    expect(error).toMatchObject({ data: { code: "NOT_FOUND", httpStatus: 404 } });
    const bad = createFinetuningClient({ url: api.origin, apiKey: "ftcr_not-a-key" });
    await expect(bad.finetuning.list.query({})).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });
});

describe("onChange from Node", () => {
  it("streams a job's cancel to a subscriber holding an API key", async () => {
    const client = createFinetuningClient({ url: api.origin, apiKey: operator });
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await makeJob(db(), { status: "running", dbConnectionId: connection.id });
    const since = await currentFeedPosition();
    const seen = new Promise<{ id: string; status: string }>((resolve, reject) => {
      const subscription = client.finetuning.onChange.subscribe(
        { db_connection_id: connection.id, lastEventId: since },
        {
          onData: ({ data }) => {
            subscription.unsubscribe();
            resolve({ id: data.id, status: data.status });
          },
          onError: (error) => {
            subscription.unsubscribe();
            reject(error);
          },
        },
      );
    });
    await client.finetuning.cancel.mutate({ finetuning_id: job.id });
    expect(await seen).toEqual({ id: job.id, status: "cancelled" });
  });

  it("refuses a subscriber without a valid key with the UNAUTHORIZED code", async () => {
    const client = createFinetuningClient({ url: api.origin, apiKey: "ftcr_not-a-key" });
    const error = await new Promise<unknown>((resolve) => {
      const subscription = client.finetuning.onChange.subscribe(
        {},
        {
          onData: () => resolve(new Error("a change arrived without a key")),
          onError: (e) => {
            subscription.unsubscribe();
            resolve(e);
          },
        },
      );
    });
    expect(error).toMatchObject({ name: "FinetuningApiError", code: "UNAUTHORIZED" });
  });
});

describe("examples/cancel-with-client.ts", () => {
  const script = (args: string[], key = operator) =>
    run(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "examples/cancel-with-client.ts"), ...args], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${path.join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
        CONTROL_ROOM_URL: api.origin,
        CONTROL_ROOM_API_KEY: key,
      },
    });

  it("cancels the job given on the command line and prints it", async () => {
    const job = await makeJob(db(), { status: "running" });
    const { stdout } = await script([job.id]);
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ id: job.id, status: "cancelled", metadata: { cancelled_from: "examples/cancel-with-client.ts" } });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("cancelled");
  });

  it("exits 1 with the error's code for an unknown job", async () => {
    const failure = await script([randomUUID()]).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("NOT_FOUND");
  });
});

/**
 * A reverse proxy in front of the real API, as a load balancer would stand:
 * it answers the next `failures` requests itself with a 502 page and passes
 * the rest through, recording what it saw.
 */
async function startFlakyProxy(target: string) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (failures > 0) {
      failures -= 1;
      req.resume();
      res.writeHead(502, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway</body></html>");
      return;
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    failNext(count: number) {
      failures = count;
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("the client's errors, retries and timeout", () => {
  it("rejects with FinetuningApiError carrying the contract's code, status and field", async () => {
    const client = createFinetuningClient({ url: api.origin, apiKey: operator });
    const error: unknown = await client.finetuning.cancel.mutate({ finetuning_id: "not-a-uuid" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FinetuningApiError);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, field: "finetuning_id", procedure: "finetuning.cancel" });

    const finished = await makeJob(db(), { status: "succeeded" });
    await expect(client.finetuning.cancel.mutate({ finetuning_id: finished.id })).rejects.toMatchObject({
      code: "CONFLICT",
      httpStatus: 409,
    });
  });

  it("retries queries and cancel after a failed attempt, and never a create", async () => {
    const proxy = await startFlakyProxy(api.origin);
    try {
      const client = createFinetuningClient({ url: proxy.origin, apiKey: operator, retry: { attempts: 3, baseDelayMs: 1 } });
      const { connection } = await makeConnection(db(), { goldenRecords: 12 });

      proxy.failNext(2);
      const page = await client.finetuning.list.query({ db_connection_id: connection.id });
      expect(page.items).toEqual([]);
      expect(proxy.seen).toHaveLength(3);

      const job = await makeJob(db(), { status: "running", dbConnectionId: connection.id });
      proxy.failNext(2);
      const cancelled = await client.finetuning.cancel.mutate({ finetuning_id: job.id });
      expect(cancelled.status).toBe("cancelled");
      expect(proxy.seen).toHaveLength(3);

      proxy.failNext(1);
      const create = await client.finetuning.create.mutate({ db_connection_id: connection.id }).catch((e: unknown) => e);
      expect(create).toMatchObject({ code: "BAD_GATEWAY", httpStatus: 502 });
      expect(proxy.seen).toHaveLength(1);
      expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id } })).toBe(1);

      proxy.failNext(3);
      await expect(client.finetuning.get.query({ finetuning_id: job.id })).rejects.toBeInstanceOf(FinetuningApiError);
      expect(proxy.seen).toHaveLength(3);

      const once = createFinetuningClient({ url: proxy.origin, apiKey: operator });
      proxy.failNext(1);
      await expect(once.finetuning.get.query({ finetuning_id: job.id })).rejects.toMatchObject({ code: "BAD_GATEWAY" });
      expect(proxy.seen).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("sends a create's Idempotency-Key as a header, on a request of its own", async () => {
    const proxy = await startFlakyProxy(api.origin);
    try {
      const client = createFinetuningClient({ url: proxy.origin, apiKey: operator });
      const { connection } = await makeConnection(db(), { goldenRecords: 12 });
      const key = randomUUID();
      proxy.failNext(0);
      const [created] = await Promise.all([
        client.finetuning.create.mutate({ db_connection_id: connection.id }, { context: { idempotencyKey: key } }),
        client.finetuning.list.query({ db_connection_id: connection.id }),
      ]);
      expect(created.status).toBe("queued");
      const keyed = proxy.seen.filter((r) => r.headers["idempotency-key"] !== undefined);
      expect(keyed).toEqual([
        expect.objectContaining({
          method: "POST",
          url: "/api/trpc/finetuning.create",
          headers: expect.objectContaining({ "idempotency-key": key }),
        }),
      ]);
      expect(proxy.seen).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it("a create repeated with the same Idempotency-Key makes one job and replays its answer; another request under that key is a 422", async () => {
    const client = createFinetuningClient({ url: `${api.origin}/`, apiKey: operator });
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const key = randomUUID();
    const first = await client.finetuning.create.mutate(
      { db_connection_id: connection.id, alias: "once" },
      { context: { idempotencyKey: key } },
    );
    const again = await client.finetuning.create.mutate(
      { db_connection_id: connection.id, alias: "once" },
      { context: { idempotencyKey: key } },
    );
    expect(again).toEqual(first);
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id } })).toBe(1);
    await expect(
      client.finetuning.create.mutate({ db_connection_id: connection.id, alias: "another" }, { context: { idempotencyKey: key } }),
    ).rejects.toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id } })).toBe(1);
  });

  it("gives up after timeoutMs with the TIMEOUT code", async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const client = createFinetuningClient({
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        apiKey: operator,
        timeoutMs: 200,
      });
      await expect(client.finetuning.list.query({})).rejects.toMatchObject({ name: "FinetuningApiError", code: "TIMEOUT" });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

import "../helpers/env";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFinetuningClient, isFinetuningApiError } from "../../server/client";
import { db } from "../../server/db";
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

    const created = await client.finetuning.create.mutate({ db_connection_id: connection.id, alias: "typed", metadata: { from: "client" } });
    expect(created).toMatchObject({ status: "queued", alias: "typed", db_connection_id: connection.id });

    // Two calls at once travel as one batch.
    const [page, fetched] = await Promise.all([
      client.finetuning.list.query({ db_connection_id: connection.id }),
      client.finetuning.get.query({ finetuning_id: created.id }),
    ]);
    expect(page.items.map((j) => j.id)).toEqual([created.id]);
    expect(fetched.id).toBe(created.id);

    const cancelled = await client.finetuning.cancel.mutate({ finetuning_id: created.id, metadata: { reason: "typed client" } });
    expect(cancelled).toMatchObject({ status: "cancelled", error: "Fine tuning cancelled by the user", metadata: { from: "client", reason: "typed client" } });
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

describe("examples/cancel-with-client.ts", () => {
  const script = (args: string[], key = operator) =>
    run(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "examples/cancel-with-client.ts"), ...args], {
      cwd: root,
      env: { ...process.env, PATH: `${path.join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}`, CONTROL_ROOM_URL: api.origin, CONTROL_ROOM_API_KEY: key },
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

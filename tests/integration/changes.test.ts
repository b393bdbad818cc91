import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { transitionJob } from "../../server/finetuning/transitions";
import { createCaller } from "../../server/trpc/root";
import { headersFor } from "../helpers/callers";
import { makeJob } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";

describe("finetuning.onChange", () => {
  it("pushes a status change made elsewhere (LISTEN/NOTIFY), filtered by connection", async () => {
    const job = await makeJob(db(), { status: "queued" });
    const other = await makeJob(db(), { status: "queued" });
    const controller = new AbortController();
    const caller = createCaller({ db: db(), provider: unreachableProvider(), headers: await headersFor("viewer") }, { signal: controller.signal });
    const stream = await caller.finetuning.onChange({ db_connection_id: job.dbConnectionId });
    const iterator = stream[Symbol.asyncIterator]();
    const next = iterator.next();
    // Give the subscription a moment to LISTEN before the change.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await transitionJob({ db: db(), id: other.id, from: ["queued"], to: "running", actor: "worker" });
    await transitionJob({ db: db(), id: job.id, from: ["queued"], to: "validating_files", actor: "worker" });
    const { value } = await next;
    expect(value).toMatchObject({ id: job.id, status: "validating_files", deleted: false });
    controller.abort();
  });
});

import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { callerAs } from "../helpers/callers";
import { eventsOf, makeJob } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";

const provider = unreachableProvider();

async function expectBadRequest(promise: Promise<unknown>, field: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as { code?: string; message?: string; shape?: { data?: { field?: string } } },
  );
  expect(error).toMatchObject({ code: "BAD_REQUEST" });
  expect(error?.message).toContain(field);
}

describe("bad input is a BAD_REQUEST naming the field, and changes nothing", () => {
  it.each([
    ["wrong type of id", { finetuning_id: 42 }, "finetuning_id"],
    ["unknown id format", { finetuning_id: "656777c9eb4e22533dc43fce" }, "finetuning_id"],
    ["metadata value not a string", { metadata: { reason: 5 } }, "metadata.reason"],
    ["metadata with too many keys", { metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) }, "metadata"],
    ["metadata key over 64 chars", { metadata: { ["k".repeat(65)]: "v" } }, "metadata"],
    ["metadata value over 1 KiB", { metadata: { reason: "x".repeat(1025) } }, "metadata.reason"],
  ])("cancel with %s", async (_name, patch, field) => {
    const job = await makeJob(db(), { status: "running" });
    const caller = await callerAs("operator", provider);
    await expectBadRequest(caller.finetuning.cancel({ finetuning_id: job.id, ...patch } as never), field);
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");
    expect(await eventsOf(db(), job.id)).toHaveLength(0);
  });

  it("list with an unknown status", async () => {
    const caller = await callerAs("viewer", provider);
    await expectBadRequest(caller.finetuning.list({ status: "archived" } as never), "status");
  });

  it("list with a limit out of range and a forged cursor", async () => {
    const caller = await callerAs("viewer", provider);
    await expectBadRequest(caller.finetuning.list({ limit: 101 }), "limit");
    await expectBadRequest(caller.finetuning.list({ cursor: "bm90LWEtY3Vyc29y" }), "cursor");
  });

  it("create with too few golden records", async () => {
    const connection = await db().dbConnection.create({
      data: { alias: "tiny", dialect: "postgresql", schemaText: "create table t(x int);" },
    });
    const caller = await callerAs("operator", provider);
    const before = await db().finetuningJob.count();
    await expectBadRequest(caller.finetuning.create({ db_connection_id: connection.id }), "golden_records");
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id } })).toBe(0);
    expect(before).toBeGreaterThanOrEqual(0);
  });
});

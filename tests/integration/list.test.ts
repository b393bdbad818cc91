import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { callerAs } from "../helpers/callers";
import { makeConnection, makeJob } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";

const provider = unreachableProvider();

describe("finetuning.list", () => {
  it("returns each job exactly once, newest first, while new jobs are inserted between pages", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const start = Date.now() - 60_000;
    const original = [];
    for (let i = 0; i < 23; i++) {
      // Some share a created_at, so the id breaks the tie.
      original.push(await makeJob(db(), { dbConnectionId: connection.id, createdAt: new Date(start + Math.floor(i / 3) * 1000) }));
    }
    const caller = await callerAs("viewer", provider);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.finetuning.list({ db_connection_id: connection.id, limit: 5, cursor });
      seen.push(...page.items.map((j) => j.id));
      const createdAts = page.items.map((j) => j.created_at);
      expect([...createdAts].sort().reverse()).toEqual(createdAts);
      await makeJob(db(), { dbConnectionId: connection.id }); // a newer job arrives mid-walk
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(original.map((j) => j.id).sort());
  });

  it("filters by status and connection", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    await makeJob(db(), { dbConnectionId: connection.id, status: "running" });
    await makeJob(db(), { dbConnectionId: connection.id, status: "failed" });
    const caller = await callerAs("viewer", provider);
    const running = await caller.finetuning.list({ db_connection_id: connection.id, status: "running" });
    expect(running.items.map((j) => j.status)).toEqual(["running"]);
    const all = await caller.finetuning.list({ db_connection_id: connection.id });
    expect(all.items).toHaveLength(2);
  });
});

describe("finetuning.create / update / delete", () => {
  it("creates a queued job on all of the connection's golden records, with its first event", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const caller = await callerAs("operator", provider);
    const job = await caller.finetuning.create({ db_connection_id: connection.id, alias: "nightly", metadata: { team: "bi" } });
    expect(job).toMatchObject({ status: "queued", alias: "nightly", metadata: { team: "bi" }, base_llm: { model_provider: "openai" } });
    expect([...job.golden_records].sort()).toEqual([...goldenRecordIds].sort());
    const events = await db().jobEvent.findMany({ where: { jobId: job.id } });
    expect(events).toMatchObject([{ kind: "status_change", fromStatus: null, toStatus: "queued", actor: "api_key:test-operator" }]);
  });

  it("replaces metadata with update, and delete hides the job from the list but keeps it readable with its history", async () => {
    const job = await makeJob(db(), { status: "running", metadata: { a: "1" } });
    const caller = await callerAs("operator", provider);
    await expect(caller.finetuning.update({ finetuning_id: job.id, metadata: { b: "2" } })).resolves.toMatchObject({
      metadata: { b: "2" },
    });
    const deleted = await caller.finetuning.delete({ finetuning_id: job.id });
    expect(deleted.status).toBe("cancelled");
    await expect(caller.finetuning.get({ finetuning_id: job.id })).resolves.toMatchObject({
      id: job.id,
      status: "cancelled",
      metadata: { b: "2", deleted: "true" },
    });
    expect((await caller.finetuning.list({ db_connection_id: job.dbConnectionId })).items.map((j) => j.id)).not.toContain(job.id);
    await expect(caller.finetuning.delete({ finetuning_id: job.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const kinds = (await db().jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } })).map((e) => e.kind);
    expect(kinds).toEqual(["metadata_update", "status_change", "deleted"]);
  });
});

import "../helpers/env";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { callerAs } from "../helpers/callers";
import { makeConnection } from "../helpers/factories";
import { unreachableProvider } from "../helpers/provider";

const provider = unreachableProvider();

const countOf = (dbConnectionId: string) => db().goldenRecord.count({ where: { dbConnectionId } });

describe("goldenRecord.import", () => {
  it("inserts the valid CSV rows and reports the rejected ones by line", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 2 });
    const caller = await callerAs("operator", provider);
    const text = [
      "question,sql",
      "How many customers?,SELECT count(*) FROM customers",
      '"Orders over $100, by day?","SELECT created_at::date, count(*)',
      'FROM orders WHERE total > 100 GROUP BY 1"',
      ",SELECT 1",
      "Unquoted comma?,SELECT a, b FROM t",
    ].join("\r\n");

    const report = await caller.goldenRecord.import({ db_connection_id: connection.id, format: "csv", text });

    expect(report).toEqual({
      created: 2,
      rejected: [
        { line: 5, reason: "question is empty" },
        { line: 6, reason: expect.stringContaining("has 3 fields but the header has 2") },
      ],
    });
    const stored = await db().goldenRecord.findMany({ where: { dbConnectionId: connection.id, question: { startsWith: "Orders" } } });
    expect(stored).toMatchObject([
      { question: "Orders over $100, by day?", sql: "SELECT created_at::date, count(*)\nFROM orders WHERE total > 100 GROUP BY 1" },
    ]);
    const [listed] = (await caller.dbConnection.list()).filter((c) => c.id === connection.id);
    expect(listed?.golden_record_count).toBe(4);
  });

  it("imports JSONL the same way", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const caller = await callerAs("admin", provider);
    const text = '{"question":"One?","sql":"SELECT 1"}\n\n{"question":"Two?"\n{"question":"Three?","sql":"SELECT 3"}\n';
    const report = await caller.goldenRecord.import({ db_connection_id: connection.id, format: "jsonl", text });
    expect(report).toEqual({ created: 2, rejected: [{ line: 3, reason: expect.stringMatching(/^not valid JSON/) }] });
    expect(await countOf(connection.id)).toBe(2);
  });

  it("inserts nothing when every line is invalid", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 3 });
    const caller = await callerAs("operator", provider);
    const report = await caller.goldenRecord.import({
      db_connection_id: connection.id,
      format: "jsonl",
      text: '{"question":""}\nnot json\n',
    });
    expect(report.created).toBe(0);
    expect(report.rejected.map((r) => r.line)).toEqual([1, 2]);
    expect(await countOf(connection.id)).toBe(3);
  });

  it("refuses a CSV without question and sql columns, naming the field, and inserts nothing", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const caller = await callerAs("operator", provider);
    await expect(
      caller.goldenRecord.import({ db_connection_id: connection.id, format: "csv", text: "q,s\nA?,SELECT 1" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining('needs "question" and "sql" columns'),
    });
    expect(await countOf(connection.id)).toBe(0);
  });

  it("enforces the limits: 10,000 records and 5 MB per call", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const caller = await callerAs("operator", provider);
    const tooMany = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ question: `Q${i}?`, sql: `SELECT ${i}` })).join("\n");
    await expect(caller.goldenRecord.import({ db_connection_id: connection.id, format: "jsonl", text: tooMany })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "text: has more than 10,000 records; at most 10,000 per import.",
    });
    const tooBig = `question,sql\nBig?,"${"x".repeat(5 * 1024 * 1024)}"`;
    await expect(caller.goldenRecord.import({ db_connection_id: connection.id, format: "csv", text: tooBig })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "text: must be at most 5 MB",
    });
    expect(await countOf(connection.id)).toBe(0);
  });

  it("imports the maximum of 10,000 records in one call", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const caller = await callerAs("operator", provider);
    const text = ["question,sql", ...Array.from({ length: 10_000 }, (_, i) => `Q${i}?,SELECT ${i}`)].join("\n");
    await expect(caller.goldenRecord.import({ db_connection_id: connection.id, format: "csv", text })).resolves.toEqual({
      created: 10_000,
      rejected: [],
    });
    expect(await countOf(connection.id)).toBe(10_000);
  });

  it("answers NOT_FOUND for an unknown connection and BAD_REQUEST for empty text", async () => {
    const caller = await callerAs("operator", provider);
    await expect(
      caller.goldenRecord.import({ db_connection_id: randomUUID(), format: "csv", text: "question,sql\nA?,SELECT 1" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    await expect(caller.goldenRecord.import({ db_connection_id: connection.id, format: "jsonl", text: "\n  \n" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "text: has no records.",
    });
  });

  it("is forbidden to viewers", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const caller = await callerAs("viewer", provider);
    await expect(
      caller.goldenRecord.import({ db_connection_id: connection.id, format: "csv", text: "question,sql\nA?,SELECT 1" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await countOf(connection.id)).toBe(0);
  });
});

describe("REST: POST /api/v1/golden-records/import", () => {
  it("imports over REST with the same report", async () => {
    const { startRestServer } = await import("../helpers/rest");
    const { createApiKey } = await import("../../server/auth/admin");
    const { makeConnection } = await import("../helpers/factories");
    const { db } = await import("../../server/db");
    const server = await startRestServer();
    try {
      const { connection } = await makeConnection(db(), { goldenRecords: 0 });
      const { key } = await createApiKey({ name: "rest-import", role: "operator" });
      const text = 'question,sql\n"How many orders?","SELECT count(*) FROM orders;"\nonly-a-question,\n';
      const response = await fetch(`${server.origin}/api/v1/golden-records/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ db_connection_id: connection.id, format: "csv", text }),
      });
      expect(response.status).toBe(200);
      const report = (await response.json()) as { created: number; rejected: Array<{ line: number }> };
      expect(report.created).toBe(1);
      expect(report.rejected.map((r) => r.line)).toEqual([3]);
    } finally {
      await server.close();
    }
  });
});

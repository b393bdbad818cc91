import "../helpers/env";
import { afterEach, describe, expect, it, vi } from "vitest";

// The parsers stay real; each call is counted (csv-parse runs once per broken
// quoting, JSON.parse once per line). Counting runs, not time: the machine's
// speed does not decide the test.
const csvRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock("csv-parse/sync", async (importOriginal) => {
  const real = await importOriginal<typeof import("csv-parse/sync")>();
  return {
    ...real,
    parse: (...args: Parameters<typeof real.parse>) => {
      csvRuns.count++;
      return real.parse(...args);
    },
  };
});

const { keyFor, useSecureApp } = await import("./app");
const { rest } = await import("../helpers/rest");
const { db } = await import("../../server/db");
const { makeConnection } = await import("../helpers/factories");
const { MAX_IMPORT_RECORDS } = await import("../../server/golden-records/import-schema");

const app = useSecureApp();
afterEach(() => vi.restoreAllMocks());

/** ~1M lines, each broken, in under 5 MB. */
const LINES = 1_000_000;

async function importText(format: "csv" | "jsonl", text: string) {
  const operator = await keyFor("operator");
  const { connection } = await makeConnection(db(), { goldenRecords: 0 });
  return rest(app.origin, "POST", "/api/v1/golden-records/import", {
    key: operator.key,
    json: { db_connection_id: connection.id, format, text },
  });
}

describe("review 3: the import stops reading once records and rejections pass the cap", () => {
  it("CSV: a million lines of broken quoting start at most cap + 2 parser runs", async () => {
    const text = `question,sql\n${Array.from({ length: LINES }, () => '"a"b').join("\n")}`;
    expect(Buffer.byteLength(text)).toBeLessThan(5 * 1024 * 1024);
    csvRuns.count = 0;
    const call = await importText("csv", text);
    expect(call.status).toBe(400);
    expect(call.body.error.message).toContain("more than 10,000 records");
    expect(csvRuns.count).toBeGreaterThan(0);
    expect(csvRuns.count).toBeLessThanOrEqual(MAX_IMPORT_RECORDS + 2);
  });

  it("CSV: half a million blank quoted records are read only up to the cap, too", async () => {
    const text = `question,sql\n${Array.from({ length: LINES }, () => '"').join("\n")}`;
    const call = await importText("csv", text);
    expect(call.status).toBe(400);
    expect(call.body.error.message).toContain("more than 10,000 records");
  });

  it("JSONL: a million broken lines are parsed at most cap + 1 times", async () => {
    const text = Array.from({ length: LINES }, () => "{").join("\n");
    expect(Buffer.byteLength(text)).toBeLessThan(5 * 1024 * 1024);
    const parse = vi.spyOn(JSON, "parse");
    const call = await importText("jsonl", text);
    const lineParses = parse.mock.calls.filter(([value]) => value === "{").length;
    expect(call.status).toBe(400);
    expect(call.body.error.message).toContain("more than 10,000 records");
    expect(lineParses).toBeGreaterThan(0);
    expect(lineParses).toBeLessThanOrEqual(MAX_IMPORT_RECORDS + 1);
  });
});

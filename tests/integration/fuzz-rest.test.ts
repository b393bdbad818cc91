import "../helpers/env";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../helpers/isolated-db";

// A database of its own, so "nothing changed" can be checked on whole tables;
// a provider that nothing answers, so no request reaches a real one.
await useIsolatedDatabase();
process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
process.env.PROVIDER_TIMEOUT_MS = "100";
process.env.PROVIDER_CANCEL_DEADLINE_MS = "100";
const { db } = await import("../../server/db");
const { stopQueue } = await import("../../server/worker/queue");
const { makeConnection, makeJob } = await import("../helpers/factories");
const { apiKey, rest, startRestServer } = await import("../helpers/rest");

let api: Awaited<ReturnType<typeof startRestServer>>;
let operator: string;
let viewer: string;
let jobIds: string[];
let connectionId: string;
beforeAll(async () => {
  api = await startRestServer();
  operator = await apiKey("operator", "fuzz-operator");
  viewer = await apiKey("viewer", "fuzz-viewer");
  const { connection } = await makeConnection(db(), { goldenRecords: 12 });
  connectionId = connection.id;
  jobIds = [];
  for (const status of ["queued", "running", "succeeded", "failed", "cancelled"] as const) {
    jobIds.push((await makeJob(db(), { dbConnectionId: connection.id, status, metadata: { seed: status } })).id);
  }
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

/** Everything a request could change, as one hash per table. */
async function snapshot(): Promise<string> {
  const rows = await db().$queryRaw<{ jobs: string | null; events: string | null; records: string | null; connections: string | null }[]>`
    SELECT (SELECT md5(string_agg(j::text, '|' ORDER BY j.id)) FROM finetuning_jobs j) AS jobs,
           (SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM job_events e) AS events,
           (SELECT md5(string_agg(g::text, '|' ORDER BY g.id)) FROM golden_records g) AS records,
           (SELECT md5(string_agg(c::text, '|' ORDER BY c.id)) FROM db_connections c) AS connections`;
  return JSON.stringify(rows[0]);
}

const weirdSegment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom(
    "%",
    "%E0%A4%A",
    "..",
    "%2F",
    "%00",
    "null",
    "undefined",
    "0",
    "-1",
    "__proto__",
    "constructor",
    " ",
    "%20",
    "a".repeat(300),
  ),
  fc.uuid({ version: [4, 7] }),
  fc.uuid().map((id) => id.toUpperCase()),
);
// Strings as an attacker sends them: ordinary ones, ones with NUL or a lone
// surrogate spliced in (Postgres refuses the first; the second is not text),
// and very long ones.
const text = (maxLength = 40, longest = 200_000) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.string({ maxLength: 10 }),
          fc.constantFrom("\u0000", "\ud800", "\udfff", "\ud83d", "\u0000\u0000"),
          fc.string({ maxLength: 10 }),
        )
        .map(([a, b, c]) => a + b + c),
    },
    { weight: 1, arbitrary: fc.integer({ min: Math.min(5_000, longest), max: longest }).map((n) => "x".repeat(n)) },
  );
const jobId = () => fc.oneof(fc.constantFrom(...jobIds), weirdSegment);
const jsonish = fc.jsonValue({ maxDepth: 3 });
const metadata = fc.oneof(
  fc.constant(null),
  fc.dictionary(text(70), text(40), { maxKeys: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), jsonish, { maxKeys: 3 }),
  jsonish,
);
const structuredBody = () =>
  fc
    .record(
      {
        finetuning_id: fc.oneof(jobId(), jsonish),
        metadata,
        db_connection_id: fc.oneof(fc.constant(connectionId), fc.uuid(), jsonish),
        alias: fc.oneof(text(140), jsonish),
        base_llm: fc.oneof(
          fc.record(
            {
              model_provider: fc.oneof(fc.constant("openai"), jsonish),
              model_name: fc.oneof(text(), jsonish),
              model_parameters: fc.oneof(jsonish, fc.record({ n_epochs: jsonish })),
            },
            { requiredKeys: [] },
          ),
          jsonish,
        ),
        golden_records: fc.oneof(fc.array(fc.uuid(), { maxLength: 3 }), jsonish),
        records: fc.oneof(fc.array(fc.record({ question: text(), sql: text() }), { maxLength: 2 }), jsonish),
        dialect: fc.oneof(fc.constantFrom("postgresql", "oracle"), jsonish),
        schema_text: fc.oneof(text(20), jsonish),
        __proto__: jsonish,
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value));
const bodyText = () =>
  fc.oneof(
    { weight: 4, arbitrary: structuredBody() },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: text(60) },
    { weight: 1, arbitrary: fc.constantFrom("", "{", '{"metadata": {', "[]", "null", "1e999", '"x"', "{}", '{"a":1}garbage', "\u0000") },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/vnd.api+json",
  "multipart/form-data",
);
const credentials = () => fc.constantFrom(operator, operator, operator, viewer, "ftcr_not-a-key", undefined);
const path = () =>
  fc.oneof(
    fc.constant("/api/v1/finetunings"),
    jobId().map((id) => `/api/v1/finetunings/${id}`),
    jobId().map((id) => `/api/v1/finetunings/${id}/cancel`),
    jobId().map((id) => `/api/v1/finetunings/${id}/events`),
    fc.constantFrom("/api/v1/database-connections", "/api/v1/golden-records", "/api/v1/", "/api/v1/finetunings/"),
    fc.array(weirdSegment, { minLength: 1, maxLength: 4 }).map((segments) => `/api/v1/${segments.join("/")}`),
  );
const query = fc.dictionary(
  fc.oneof(fc.constantFrom("db_connection_id", "status", "limit", "cursor", "finetuning_id"), fc.string({ maxLength: 8 })),
  // A URL stays under Node's 16 KiB header limit (beyond it Node answers 431 itself).
  fc.oneof(text(30, 3_000), fc.integer().map(String), fc.constantFrom("running", "paused", "0", "101", "-5", "1.5", "NaN")),
  { maxKeys: 4 },
);

type FuzzRequest = {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: string;
  contentType?: string;
  key?: string;
  idempotencyKey?: string;
};

// fetch resolves "." and ".." segments: such a URL may leave /api/v1 altogether.
const reachesRest = (request: FuzzRequest) => new URL(request.path, "http://x").pathname.startsWith("/api/v1/");

async function expectSafe(request: FuzzRequest) {
  fc.pre(reachesRest(request));
  const before = await snapshot();
  const search = request.query && Object.keys(request.query).length > 0 ? `?${new URLSearchParams(request.query).toString()}` : "";
  const headers: Record<string, string> = {};
  if (request.contentType) headers["content-type"] = request.contentType;
  if (request.idempotencyKey) headers["idempotency-key"] = request.idempotencyKey;
  const call = await rest(api.origin, request.method, `${request.path}${search}`, { key: request.key, body: request.body, headers });
  const context = `${request.method} ${request.path}${search} ${request.body ?? ""} → ${call.status} ${call.text.slice(0, 200)}`;
  expect(call.status, context).toBeLessThan(500);
  if (call.status >= 400) {
    if (request.method !== "HEAD")
      expect(call.body, context).toEqual({
        error: { code: expect.any(String), message: expect.any(String), ...(call.body?.error?.field ? { field: expect.any(String) } : {}) },
      });
    expect(call.text, context).not.toMatch(/\n\s+at |node_modules|Prisma|SELECT /);
    expect(await snapshot(), `a rejected request changed data: ${context}`).toBe(before);
  }
}

describe("REST under fuzzing", () => {
  it("never answers 5xx to a request body, and a rejected one changes nothing (700 cases)", async () => {
    // Mostly real routes with JSON, so the checks behind routing get exercised.
    const target = fc.oneof(
      { weight: 3, arbitrary: jobId().map((id) => ({ method: "POST", path: `/api/v1/finetunings/${id}/cancel` })) },
      { weight: 2, arbitrary: fc.constant({ method: "POST", path: "/api/v1/finetunings" }) },
      { weight: 2, arbitrary: jobId().map((id) => ({ method: "PUT", path: `/api/v1/finetunings/${id}` })) },
      { weight: 1, arbitrary: jobId().map((id) => ({ method: "DELETE", path: `/api/v1/finetunings/${id}` })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("/api/v1/database-connections", "/api/v1/golden-records").map((p) => ({ method: "POST", path: p })),
      },
      { weight: 1, arbitrary: fc.record({ method: fc.constantFrom("POST", "PUT", "PATCH", "DELETE"), path: path() }) },
    );
    await fc.assert(
      fc.asyncProperty(
        target,
        fc.record({
          body: bodyText(),
          contentType: fc.oneof({ weight: 3, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: contentType }),
          key: credentials(),
          idempotencyKey: fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })), { nil: undefined }),
        }),
        (to, request) => expectSafe({ ...to, ...request }),
      ),
      { numRuns: 700 },
    );
  });

  it("never answers 5xx to a path id or query string, and a rejected one changes nothing (400 cases)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ method: fc.constantFrom("GET", "GET", "GET", "DELETE", "HEAD", "OPTIONS"), path: path(), query, key: credentials() }),
        expectSafe,
      ),
      { numRuns: 400 },
    );
  });

  it("kept the finished jobs finished", async () => {
    const rows = await db().finetuningJob.findMany({ where: { id: { in: jobIds.slice(2) } }, select: { status: true } });
    expect(rows.map((r) => r.status).sort()).toEqual(["cancelled", "failed", "succeeded"]);
  });
});

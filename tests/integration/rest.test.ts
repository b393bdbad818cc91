import "../helpers/env";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";
import { apiKey, nextLink, rest, startRestServer, type RestCall, type RestServer } from "../helpers/rest";

// The process's provider (server/provider) talks to nothing: port 9 of loopback.
process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
process.env.PROVIDER_TIMEOUT_MS = "200";
process.env.PROVIDER_CANCEL_DEADLINE_MS = "400";

let api: RestServer;
let operator: string;
let viewer: string;
beforeAll(async () => {
  api = await startRestServer();
  operator = await apiKey("operator");
  viewer = await apiKey("viewer");
});
afterAll(async () => {
  await api.close();
  await stopQueue();
});

const row = (id: string) => db().finetuningJob.findUniqueOrThrow({ where: { id } });

function expectError(call: RestCall, status: number, code: string) {
  expect(call.status).toBe(status);
  expect(call.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(Object.keys(call.body.error as object).every((k) => ["code", "message", "field"].includes(k))).toBe(true);
  expect(call.text).not.toMatch(/\n\s+at |node_modules|prisma/i);
}

describe("the seed's cancel example, verbatim", () => {
  it("answers the seed's response shape at the top level", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 17 });
    const job = await makeJob(db(), { dbConnectionId: connection.id, alias: "my_model", goldenRecordIds });
    await db().finetuningJob.update({
      where: { id: job.id },
      data: { modelName: "gpt-3.5-turbo-1106", modelParameters: { n_epochs: "1" } },
    });

    // curl -X 'POST' 'http://localhost/api/v1/finetunings/{finetuning_id}/cancel' -H 'accept: application/json'
    //   -H 'Content-Type: application/json' -d '{\n"finetuning_id": "…"\n}'   (+ the bearer key)
    const response = await fetch(`${api.origin}/api/v1/finetunings/${job.id}/cancel`, {
      method: "POST",
      headers: { accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${operator}` },
      body: `{\n"finetuning_id": "${job.id}"\n}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    const seed = {
      id: "finetuning-job-id",
      alias: "my_model",
      db_connection_id: "database_connection_id",
      status: "cancelled",
      error: "Fine tuning cancelled by the user",
      base_llm: { model_provider: "openai", model_name: "gpt-3.5-turbo-1106", model_parameters: { n_epochs: "1" } },
      finetuning_file_id: null,
      finetuning_job_id: null,
      model_id: null,
      created_at: "2023-12-13T17:35:53.263485",
      golden_records: Array.from({ length: 17 }, (_, i) => `656777c9eb4e22533dc43f${i}`),
      metadata: null,
    };
    // Field for field, ids and times aside.
    for (const key of Object.keys(seed)) expect(body).toHaveProperty(key);
    const comparable = (v: Record<string, unknown>) => ({
      ...v,
      id: 0,
      db_connection_id: 0,
      created_at: 0,
      golden_records: (v.golden_records as unknown[]).length,
    });
    // The seed's fields (the contract lets the job add more).
    const seedFields = Object.fromEntries(Object.keys(seed).map((key) => [key, body[key]]));
    expect(comparable(seedFields)).toEqual(comparable(seed));
    expect(body.id).toBe(job.id);
    expect(body.db_connection_id).toBe(connection.id);
    expect(body.golden_records).toEqual(goldenRecordIds);
    expect(Number.isNaN(Date.parse(body.created_at as string))).toBe(false);
  });
});

describe("POST /api/v1/finetunings/{id}/cancel — the contract's table", () => {
  it("404 for an unknown job", async () => {
    expectError(await rest(api.origin, "POST", `/api/v1/finetunings/${randomUUID()}/cancel`, { key: operator }), 404, "NOT_FOUND");
  });

  it("200 cancels an active job and merges the request's metadata", async () => {
    for (const status of ["queued", "validating_files", "running"] as const) {
      const job = await makeJob(db(), { status, metadata: { team: "ml" } });
      const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
        key: operator,
        json: { finetuning_id: job.id, metadata: { reason: "wrong data" } },
      });
      expect(call.status).toBe(200);
      expect(call.body).toMatchObject({
        id: job.id,
        status: "cancelled",
        error: "Fine tuning cancelled by the user",
        metadata: { team: "ml", reason: "wrong data" },
      });
      expect((await row(job.id)).status).toBe("cancelled");
    }
  });

  it("200 with no body at all (the body is optional), and with metadata null", async () => {
    const a = await makeJob(db(), { status: "queued" });
    const bare = await fetch(`${api.origin}/api/v1/finetunings/${a.id}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(bare.status).toBe(200);
    const b = await makeJob(db(), { status: "queued" });
    const nullMetadata = await rest(api.origin, "POST", `/api/v1/finetunings/${b.id}/cancel`, { key: operator, json: { metadata: null } });
    expect(nullMetadata.body).toMatchObject({ status: "cancelled", metadata: null });
  });

  it("200 again for an already cancelled job, unchanged (safe to retry)", async () => {
    const job = await makeJob(db(), { status: "running" });
    const first = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: operator, json: {} });
    const again = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: operator,
      json: { metadata: { more: "x" } },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it("409 for a succeeded or failed job, naming the job and its status", async () => {
    for (const status of ["succeeded", "failed"] as const) {
      const job = await makeJob(db(), { status });
      const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: operator, json: {} });
      expectError(call, 409, "CONFLICT");
      expect(call.body.error.message).toContain(job.id);
      expect(call.body.error.message).toContain(status);
      expect((await row(job.id)).status).toBe(status);
    }
  });

  it("502 when the provider cannot be reached, and the job is unchanged", async () => {
    const job = await makeJob(db(), { status: "running", finetuningJobId: `ftjob-${randomUUID()}` });
    const before = await row(job.id);
    const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: operator,
      json: { metadata: { why: "x" } },
    });
    expectError(call, 502, "BAD_GATEWAY");
    const after = await row(job.id);
    expect({ ...after, cancelClaimedAt: null }).toEqual({ ...before, cancelClaimedAt: null });
  });

  it("400 when the body's id differs from the path's (the path's wins only when they agree)", async () => {
    const job = await makeJob(db(), { status: "running" });
    const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: operator,
      json: { finetuning_id: randomUUID() },
    });
    expectError(call, 400, "BAD_REQUEST");
    expect(call.body.error.field).toBe("finetuning_id");
    expect((await row(job.id)).status).toBe("running");
  });

  it("400 for a path id that is not a UUID, 401 without a key, 403 for a viewer", async () => {
    expectError(await rest(api.origin, "POST", "/api/v1/finetunings/not-an-id/cancel", { key: operator }), 400, "BAD_REQUEST");
    const job = await makeJob(db(), { status: "running" });
    expectError(await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`), 401, "UNAUTHORIZED");
    expectError(await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: viewer }), 403, "FORBIDDEN");
    expectError(await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: "ftcr_garbage" }), 401, "UNAUTHORIZED");
    expect((await row(job.id)).status).toBe("running");
  });

  it("400 for oversized metadata, naming the field", async () => {
    const job = await makeJob(db(), { status: "running" });
    const metadata = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: operator, json: { metadata } });
    expectError(call, 400, "BAD_REQUEST");
    expect(call.body.error.message).toContain("metadata");
  });
});

describe("POST /api/v1/finetunings", () => {
  it("201 with the queued job", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 12 });
    const call = await rest(api.origin, "POST", "/api/v1/finetunings", {
      key: operator,
      json: {
        db_connection_id: connection.id,
        alias: "orders",
        base_llm: { model_name: "gpt-4o-mini-2024-07-18", model_parameters: { n_epochs: 2 } },
        metadata: { by: "rest" },
      },
    });
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({
      db_connection_id: connection.id,
      alias: "orders",
      status: "queued",
      golden_records: expect.any(Array),
      metadata: { by: "rest" },
    });
    expect(call.body.golden_records).toHaveLength(12);
    // Answered as strings, as the engine does; stored (and sent to the provider) as given.
    expect(call.body.base_llm.model_parameters).toEqual({ n_epochs: "2" });
    expect((await row(call.body.id as string)).modelParameters).toEqual({ n_epochs: 2 });
    expect((await row(call.body.id as string)).status).toBe("queued");
  });

  it("400 with fewer than 10 golden records, 404 for an unknown connection, 400 for wrong types, 403 for a viewer", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 3 });
    expectError(
      await rest(api.origin, "POST", "/api/v1/finetunings", { key: operator, json: { db_connection_id: connection.id } }),
      400,
      "BAD_REQUEST",
    );
    expectError(
      await rest(api.origin, "POST", "/api/v1/finetunings", { key: operator, json: { db_connection_id: randomUUID() } }),
      404,
      "NOT_FOUND",
    );
    const wrong = await rest(api.origin, "POST", "/api/v1/finetunings", { key: operator, json: { db_connection_id: 42 } });
    expectError(wrong, 400, "BAD_REQUEST");
    expect(wrong.body.error.field).toBe("db_connection_id");
    expectError(
      await rest(api.origin, "POST", "/api/v1/finetunings", { key: viewer, json: { db_connection_id: connection.id } }),
      403,
      "FORBIDDEN",
    );
    expect(await db().finetuningJob.count({ where: { dbConnectionId: connection.id } })).toBe(0);
  });
});

describe("GET /api/v1/finetunings", () => {
  it("pages newest first with the cursor, filtered by connection and status", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const start = Date.now() - 60_000;
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(
        await makeJob(db(), { dbConnectionId: connection.id, status: i % 2 ? "failed" : "running", createdAt: new Date(start + i * 1000) }),
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = new URLSearchParams({ db_connection_id: connection.id, limit: "2", ...(cursor ? { cursor } : {}) }).toString();
      const page = await rest(api.origin, "GET", `/api/v1/finetunings?${query}`, { key: viewer });
      expect(page.status).toBe(200);
      expect(Array.isArray(page.body)).toBe(true);
      seen.push(...(page.body as { id: string }[]).map((j) => j.id));
      cursor = page.headers.get("x-next-cursor");
    } while (cursor);
    expect(seen).toEqual(made.map((j) => j.id).reverse());
    const failed = await rest(api.origin, "GET", `/api/v1/finetunings?db_connection_id=${connection.id}&status=failed`, { key: viewer });
    expect((failed.body as { status: string }[]).map((j) => j.status)).toEqual(["failed", "failed"]);
    expect(failed.headers.get("link")).toBeNull();
  });

  it('following Link rel="next" visits every job exactly once, newest first, while newer jobs arrive mid-walk', async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const start = Date.now() - 60_000;
    const original = [];
    // Some share a created_at, so the id breaks the tie.
    for (let i = 0; i < 13; i++)
      original.push(await makeJob(db(), { dbConnectionId: connection.id, createdAt: new Date(start + Math.floor(i / 3) * 1000) }));
    const seen: string[] = [];
    let next: string | null = `/api/v1/finetunings?db_connection_id=${connection.id}&limit=4`;
    let pages = 0;
    while (next) {
      const page = await rest(api.origin, "GET", next, { key: viewer });
      expect(page.status).toBe(200);
      const createdAts = (page.body as { created_at: string }[]).map((j) => j.created_at);
      expect([...createdAts].sort().reverse()).toEqual(createdAts);
      seen.push(...(page.body as { id: string }[]).map((j) => j.id));
      await makeJob(db(), { dbConnectionId: connection.id }); // a newer job arrives mid-walk
      next = nextLink(page);
      if (next) expect(new URL(next, api.origin).searchParams.get("cursor")).toBe(page.headers.get("x-next-cursor"));
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(original.map((j) => j.id).sort());
  });

  it("400 for an unknown status, a bad limit or a bad connection id; 401 without a key", async () => {
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings?status=stopped", { key: viewer }), 400, "BAD_REQUEST");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings?limit=0", { key: viewer }), 400, "BAD_REQUEST");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings?limit=abc", { key: viewer }), 400, "BAD_REQUEST");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings?db_connection_id=x", { key: viewer }), 400, "BAD_REQUEST");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings"), 401, "UNAUTHORIZED");
  });
});

describe("GET, PUT, DELETE /api/v1/finetunings/{id} and its events", () => {
  it("GET answers the job; 404 unknown; 400 not an id", async () => {
    const job = await makeJob(db(), { status: "running" });
    const call = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: viewer });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ id: job.id, status: "running" });
    expectError(await rest(api.origin, "GET", `/api/v1/finetunings/${randomUUID()}`, { key: viewer }), 404, "NOT_FOUND");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings/%20", { key: viewer }), 400, "BAD_REQUEST");
  });

  it("PUT replaces the metadata; 404 unknown; 400 too big or a differing body id; 415 not JSON", async () => {
    const job = await makeJob(db(), { status: "running", metadata: { old: "1" } });
    const call = await rest(api.origin, "PUT", `/api/v1/finetunings/${job.id}`, { key: operator, json: { metadata: { fresh: "2" } } });
    expect(call.status).toBe(200);
    expect(call.body.metadata).toEqual({ fresh: "2" });
    expectError(
      await rest(api.origin, "PUT", `/api/v1/finetunings/${randomUUID()}`, { key: operator, json: { metadata: {} } }),
      404,
      "NOT_FOUND",
    );
    const big = await rest(api.origin, "PUT", `/api/v1/finetunings/${job.id}`, {
      key: operator,
      json: { metadata: { k: "x".repeat(1025) } },
    });
    expectError(big, 400, "BAD_REQUEST");
    expectError(
      await rest(api.origin, "PUT", `/api/v1/finetunings/${job.id}`, {
        key: operator,
        json: { finetuning_id: randomUUID(), metadata: {} },
      }),
      400,
      "BAD_REQUEST",
    );
    expectError(
      await rest(api.origin, "PUT", `/api/v1/finetunings/${job.id}`, {
        key: operator,
        body: "metadata=x",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expect((await row(job.id)).metadata).toEqual({ fresh: "2" });
  });

  it("DELETE answers the engine docs' { status: true }, cancels an active job and drops it from the list; GET still reads it", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await makeJob(db(), { dbConnectionId: connection.id, status: "queued" });
    const call = await rest(api.origin, "DELETE", `/api/v1/finetunings/${job.id}`, { key: operator });
    expect(call.status).toBe(200);
    expect(call.body).toEqual({ status: true });
    const read = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}`, { key: viewer });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: job.id, status: "cancelled" });
    const events = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}/events`, { key: viewer });
    expect((events.body as { kind: string }[]).map((e) => e.kind)).toEqual(["status_change", "deleted"]);
    expect((await rest(api.origin, "GET", `/api/v1/finetunings?db_connection_id=${connection.id}`, { key: viewer })).body).toEqual([]);
    expectError(await rest(api.origin, "DELETE", `/api/v1/finetunings/${job.id}`, { key: operator }), 404, "NOT_FOUND");
    expectError(await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: operator }), 404, "NOT_FOUND");
    expectError(await rest(api.origin, "DELETE", `/api/v1/finetunings/${randomUUID()}`, { key: viewer }), 403, "FORBIDDEN");
  });

  it("GET …/events lists the transitions", async () => {
    const job = await makeJob(db(), { status: "running" });
    await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, { key: operator, json: { metadata: { why: "test" } } });
    const call = await rest(api.origin, "GET", `/api/v1/finetunings/${job.id}/events`, { key: viewer });
    expect(call.status).toBe(200);
    expect(call.body).toEqual([expect.objectContaining({ kind: "status_change", from_status: "running", to_status: "cancelled" })]);
    expectError(await rest(api.origin, "GET", `/api/v1/finetunings/${randomUUID()}/events`, { key: viewer }), 404, "NOT_FOUND");
  });
});

describe("database connections and golden records", () => {
  it("creates (201) and lists connections; 400 for an unknown dialect", async () => {
    const alias = `rest-${randomUUID().slice(0, 8)}`;
    const created = await rest(api.origin, "POST", "/api/v1/database-connections", {
      key: operator,
      json: { alias, dialect: "postgresql", schema_text: "CREATE TABLE t (id int);" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ alias, dialect: "postgresql", golden_record_count: 0 });
    const list = await rest(api.origin, "GET", "/api/v1/database-connections", { key: viewer });
    expect(list.status).toBe(200);
    expect((list.body as { id: string }[]).map((c) => c.id)).toContain(created.body.id);
    const bad = await rest(api.origin, "POST", "/api/v1/database-connections", {
      key: operator,
      json: { alias, dialect: "oracle", schema_text: "x" },
    });
    expectError(bad, 400, "BAD_REQUEST");
    expect(bad.body.error.field).toBe("dialect");
  });

  it("adds (201) and lists golden records; 404 for an unknown connection; 400 for none", async () => {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const records = [
      { question: "How many orders?", sql: "SELECT count(*) FROM orders;" },
      { question: "Total?", sql: "SELECT sum(total) FROM orders;" },
    ];
    const created = await rest(api.origin, "POST", "/api/v1/golden-records", {
      key: operator,
      json: { db_connection_id: connection.id, records },
    });
    expect(created.status).toBe(201);
    expect(created.body).toHaveLength(2);
    const list = await rest(api.origin, "GET", `/api/v1/golden-records?db_connection_id=${connection.id}&limit=1`, { key: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(list.headers.get("x-next-cursor")).toEqual(expect.any(String));
    const next = await rest(api.origin, "GET", nextLink(list) ?? "", { key: viewer });
    expect(next.body).toHaveLength(1);
    expect(nextLink(next)).toBeNull();
    const ids = (call: RestCall) => (call.body as { id: string }[]).map((r) => r.id);
    expect([...ids(next), ...ids(list)].sort()).toEqual(ids(created).sort());
    expectError(
      await rest(api.origin, "POST", "/api/v1/golden-records", { key: operator, json: { db_connection_id: randomUUID(), records } }),
      404,
      "NOT_FOUND",
    );
    expectError(
      await rest(api.origin, "POST", "/api/v1/golden-records", { key: operator, json: { db_connection_id: connection.id, records: [] } }),
      400,
      "BAD_REQUEST",
    );
    expectError(await rest(api.origin, "GET", "/api/v1/golden-records", { key: viewer }), 400, "BAD_REQUEST");
  });
});

describe("transport errors", () => {
  it("400 for malformed JSON, 415 for another content type, 400 for a non-object body", async () => {
    const job = await makeJob(db(), { status: "running" });
    const path = `/api/v1/finetunings/${job.id}/cancel`;
    expectError(
      await rest(api.origin, "POST", path, { key: operator, body: '{"finetuning_id": ', headers: { "content-type": "application/json" } }),
      400,
      "BAD_REQUEST",
    );
    expectError(
      await rest(api.origin, "POST", path, {
        key: operator,
        body: "finetuning_id=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectError(
      await rest(api.origin, "POST", path, { key: operator, body: "{}", headers: { "content-type": "text/plain" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectError(await rest(api.origin, "POST", path, { key: operator, json: [job.id] }), 400, "BAD_REQUEST");
    expectError(await rest(api.origin, "POST", path, { key: operator, json: "x" }), 400, "BAD_REQUEST");
    const charset = await rest(api.origin, "POST", path, {
      key: operator,
      json: { metadata: { a: "b" } },
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(charset.status).toBe(200);
    expect(charset.body.metadata).toEqual({ a: "b" });
  });

  it("404 for an unknown route, 405 with Allow for a wrong method", async () => {
    expectError(await rest(api.origin, "GET", "/api/v1/nothing-here", { key: viewer }), 404, "NOT_FOUND");
    expectError(await rest(api.origin, "GET", "/api/v1/finetunings/a/b/c", { key: viewer }), 404, "NOT_FOUND");
    const wrong = await rest(api.origin, "PATCH", "/api/v1/finetunings", { key: operator, json: {} });
    expectError(wrong, 405, "METHOD_NOT_ALLOWED");
    expect(wrong.headers.get("allow")).toContain("POST");
  });
});

describe("limits and the other transport", () => {
  it("413 for a body over the limit, before it is parsed", async () => {
    const job = await makeJob(db(), { status: "running" });
    const huge = JSON.stringify({ metadata: { a: "x".repeat(17 * 1024 * 1024) } });
    const call = await rest(api.origin, "POST", `/api/v1/finetunings/${job.id}/cancel`, {
      key: operator,
      body: huge,
      headers: { "content-type": "application/json" },
    });
    expectError(call, 413, "PAYLOAD_TOO_LARGE");
    expect((await row(job.id)).status).toBe("running");
  });

  it("Next's route handler (app/api/v1/[...path]) answers the same API", async () => {
    const { POST, GET } = await import("../../app/api/v1/[...path]/route");
    const job = await makeJob(db(), { status: "queued" });
    const cancelled = await POST(
      new Request(`http://localhost/api/v1/finetunings/${job.id}/cancel`, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/json", authorization: `Bearer ${operator}` },
        body: JSON.stringify({ finetuning_id: job.id }),
      }),
    );
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id: job.id, status: "cancelled" });
    const missing = await GET(
      new Request(`http://localhost/api/v1/finetunings/${randomUUID()}`, { headers: { authorization: `Bearer ${viewer}` } }),
    );
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String) } });
    const malformed = await POST(
      new Request(`http://localhost/api/v1/finetunings/${job.id}/cancel`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${operator}` },
        body: "{",
      }),
    );
    expect(malformed.status).toBe(400);
  });
});

describe("query parameters named like Object.prototype members", () => {
  // Found by the fuzz test: trpc-to-openapi's query parsing crashed on them (a 500).
  it("are ignored, not a 500", async () => {
    const response = await rest(api.origin, "GET", "/api/v1/finetunings?constructor=1&toString=x&__proto__=y&limit=1", { key: viewer });
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
  });
});

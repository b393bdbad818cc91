// Training-file validation, fault routes and job parameters of the OpenAI sandbox.
import { describe, expect, it } from "vitest";
import { compileRoute, FaultBook, parseRule } from "@/server/provider/sandbox/faults";
import { trainingJsonl } from "@/server/provider/sandbox/fixtures";
import { parseJobSpec } from "@/server/provider/sandbox/job-params";
import { parseTimings } from "@/server/provider/sandbox/timings";
import { checkFineTuneFile, tooFewToTrain } from "@/server/provider/sandbox/validate";

describe("checkFineTuneFile", () => {
  it("accepts chat examples, tolerating blank lines and CRLF", () => {
    const text = trainingJsonl(10).replaceAll("\n", "\r\n") + "\r\n\r\n";
    expect(checkFineTuneFile(text)).toMatchObject({ ok: true, examples: 10 });
  });

  it("accepts fewer than 10 examples (a validation file may be small); only training needs 10", () => {
    expect(checkFineTuneFile(trainingJsonl(1))).toMatchObject({ ok: true, examples: 1 });
    expect(tooFewToTrain(9)).toMatch(/has 9 example\(s\), but must have at least 10 examples/);
    expect(tooFewToTrain(10)).toBeNull();
  });

  it.each([
    ["an empty file", "", /has 0 example\(s\)/],
    ["a non-object line", "[1,2]\n", /Line 1: expected a JSON object/],
    ["empty messages", `${trainingJsonl(3)}{"messages": []}\n`, /Line 4, key "messages"/],
    ["an unknown role", '{"messages":[{"role":"wizard","content":"x"}]}', /unrecognized role "wizard"/],
    ["a message without content", '{"messages":[{"role":"user"},{"role":"assistant","content":"x"}]}', /message 1: missing "content"/],
    [
      "no user message",
      '{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"x"}]}',
      /at least one "user" and one "assistant"/,
    ],
  ])("rejects %s", (_name, text, message) => {
    const result = checkFineTuneFile(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("fault routes", () => {
  it.each([
    ["GET /v1/fine_tuning/jobs/*", "GET", "/v1/fine_tuning/jobs/ftjob-1", true],
    ["GET /v1/fine_tuning/jobs/*", "GET", "/v1/fine_tuning/jobs/ftjob-1/events", false],
    ["GET /v1/fine_tuning/jobs/*", "GET", "/v1/fine_tuning/jobs", false],
    ["POST /v1/fine_tuning/jobs/*/cancel", "POST", "/v1/fine_tuning/jobs/ftjob-1/cancel", true],
    ["post /v1/fine_tuning/jobs", "POST", "/v1/fine_tuning/jobs/", true],
    ["* /v1/**", "DELETE", "/v1/files/file-1", true],
    ["GET /v1/files.json", "GET", "/v1/filesXjson", false],
  ])("%s vs %s %s → %s", (route, method, path, expected) => {
    const compiled = compileRoute(route);
    expect((compiled.method === "*" || compiled.method === method) && compiled.path.test(path)).toBe(expected);
  });

  it("uses the first matching rule `times` times, then lets requests through", () => {
    const book = new FaultBook();
    book.add({ route: "GET /v1/files/*", fault: { kind: "drop" }, times: 2 });
    book.add({ route: "GET /v1/files/*", fault: { kind: "status", status: 503 } });
    const kinds = [1, 2, 3, 4].map(() => book.take("GET", "/v1/files/file-1")?.kind);
    expect(kinds).toEqual(["drop", "drop", "status", undefined]);
  });

  it("rejects malformed rules", () => {
    expect(() => parseRule({ route: "/v1/files", fault: { kind: "drop" } })).toThrow(/METHOD \/path/);
    expect(() => parseRule({ route: "GET /v1/files", fault: { kind: "status", status: 200 } })).toThrow(/400-599/);
    expect(() => parseRule({ route: "GET /v1/files", fault: { kind: "slow" } })).toThrow(/delayMs/);
    expect(() => parseRule({ route: "GET /v1/files", fault: { kind: "drop" }, times: 0 })).toThrow(/times/);
  });
});

describe("parseJobSpec", () => {
  const base = { model: "gpt-4o-mini", training_file: "file-1" };

  it("takes hyperparameters from method.supervised or the legacy field", () => {
    const fromMethod = parseJobSpec({ ...base, method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 4 } } } });
    expect(fromMethod.hyperparameters).toEqual({ n_epochs: 4, batch_size: "auto", learning_rate_multiplier: "auto" });
    const legacy = parseJobSpec({ ...base, hyperparameters: { batch_size: 8, learning_rate_multiplier: 0.5 } });
    expect(legacy.hyperparameters).toEqual({ n_epochs: "auto", batch_size: 8, learning_rate_multiplier: 0.5 });
  });

  it.each([
    [{ training_file: "file-1" }, "model"],
    [{ model: "gpt-4o-mini" }, "training_file"],
    [{ ...base, hyperparameters: { n_epochs: "3" } }, "hyperparameters.n_epochs"],
    [{ ...base, method: { type: "dpo" } }, "method.type"],
    [{ ...base, metadata: { k: 1 } }, "metadata.k"],
    [{ ...base, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }, "metadata"],
    [{ ...base, suffix: "a:b" }, "suffix"],
  ])("rejects %j naming %s", (body, param) => {
    expect(() => parseJobSpec(body)).toThrow(expect.objectContaining({ status: 400, param }));
  });
});

describe("parseTimings", () => {
  it("maps null and 'Infinity' to Infinity and rejects the rest", () => {
    expect(parseTimings({ runningMs: null, queuedMs: "Infinity", validatingMs: 5 })).toEqual({
      runningMs: Infinity,
      queuedMs: Infinity,
      validatingMs: 5,
    });
    expect(() => parseTimings({ runningMs: -1 })).toThrow(/runningMs/);
    expect(() => parseTimings({ runMs: 1 })).toThrow(/Unknown timing/);
  });
});

import "../helpers/env";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spentSentence } from "../../app/jobs/_components/job-money";
import { db } from "../../server/db";
import { autoEpochs, epochsFor, jobCost, type CostInput } from "../../server/finetuning/cost";
import { buildPriceTable, DEFAULT_PRICES, priceOf } from "../../server/finetuning/prices";
import { countTrainingFileTokens } from "../../server/finetuning/token-count";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { callerAs } from "../helpers/callers";
import { makeConnection, makeJob } from "../helpers/factories";
import { sandboxProvider } from "../helpers/provider";
import { driveJob } from "../helpers/worker";

const base: CostInput = {
  modelName: "gpt-4o-mini-2024-07-18",
  modelParameters: { n_epochs: 3 },
  goldenRecordCount: 100,
  trainingFileTokens: 21_000,
  step: null,
  totalSteps: null,
  trainedTokens: null,
};

describe("cost formulas, against hand-computed values", () => {
  it("gpt-4o-mini at $3/1M: 21,000 tokens × 3 epochs = 63,000 tokens = $0.189; a third of the way $0.063", () => {
    expect(jobCost(base)).toEqual({
      so_far_usd: 0,
      estimated_total_usd: 0.189,
      final_usd: null,
      currency: "USD",
      usd_per_1m_training_tokens: 3,
      training_file_tokens: 21_000,
      n_epochs: 3,
      source: "price_table",
    });
    expect(jobCost({ ...base, step: 30, totalSteps: 90 })).toMatchObject({ so_far_usd: 0.063, estimated_total_usd: 0.189 });
  });

  it("gpt-4o at $25/1M: 400,000 tokens × 4 epochs = 1.6M tokens = $40.00; at step 45 of 180, $10.00", () => {
    const cost = jobCost({
      ...base,
      modelName: "gpt-4o-2024-08-06",
      modelParameters: { n_epochs: "4" },
      trainingFileTokens: 400_000,
      step: 45,
      totalSteps: 180,
    });
    expect(cost).toMatchObject({ so_far_usd: 10, estimated_total_usd: 40, n_epochs: 4, usd_per_1m_training_tokens: 25 });
  });

  it("the final cost comes from the provider's trained_tokens: 1,234,567 tokens of gpt-4.1-nano at $1.50/1M = $1.85185 ≈ $1.8519", () => {
    const cost = jobCost({ ...base, modelName: "gpt-4.1-nano-2025-04-14", trainedTokens: 1_234_567, step: 90, totalSteps: 90 });
    expect(cost).toMatchObject({ final_usd: 1.8519, so_far_usd: 1.8519, estimated_total_usd: 0.0945 });
  });

  it("unknown model: price unknown, every amount null — never a made-up number", () => {
    expect(jobCost({ ...base, modelName: "acme-llm-7b", step: 10, totalSteps: 20, trainedTokens: 5_000 })).toEqual({
      so_far_usd: null,
      estimated_total_usd: null,
      final_usd: null,
      currency: "USD",
      usd_per_1m_training_tokens: null,
      training_file_tokens: 21_000,
      n_epochs: 3,
      source: "price_table",
    });
  });

  it("before the training file is counted, the estimate is unknown but the price is known", () => {
    expect(jobCost({ ...base, trainingFileTokens: null })).toMatchObject({
      so_far_usd: null,
      estimated_total_usd: null,
      usd_per_1m_training_tokens: 3,
    });
  });

  it("epochs: as asked (number or numeric string), else OpenAI's auto rule (3, within 100–25,000 examples × epochs)", () => {
    expect(epochsFor({ n_epochs: 5 }, 10)).toBe(5);
    expect(epochsFor({ n_epochs: "2" }, 10)).toBe(2);
    expect(epochsFor({ n_epochs: "auto" }, 12)).toBe(9); // ceil(100 / 12)
    expect(epochsFor(null, 50)).toBe(3);
    expect(autoEpochs(10_000)).toBe(2); // floor(25,000 / 10,000)
    expect(autoEpochs(30_000)).toBe(1);
    expect(autoEpochs(2)).toBe(25); // ceil(100 / 2) = 50, capped at 25
  });
});

describe("what the Cancel dialog says", () => {
  const llm = { model_provider: "openai" as const, model_name: "acme-llm-7b", model_parameters: null };
  it("spent of the estimate, the price unknown, or nothing spent yet", () => {
    expect(spentSentence({ base_llm: llm, cost: jobCost({ ...base, step: 30, totalSteps: 90 }) })).toBe("Spent so far: $0.06 of ~$0.19.");
    expect(spentSentence({ base_llm: llm, cost: jobCost({ ...base, step: 1, totalSteps: 90 }) })).toBe("Spent so far: < $0.01 of ~$0.19.");
    expect(spentSentence({ base_llm: llm, cost: jobCost({ ...base, modelName: "acme-llm-7b" }) })).toBe(
      "The price of acme-llm-7b is unknown, so what it has cost so far cannot be estimated.",
    );
    expect(spentSentence({ base_llm: llm, cost: jobCost({ ...base, trainingFileTokens: null }) })).toBe(
      "Nothing spent yet: training has not started.",
    );
  });
});

describe("the price table", () => {
  it("has a source and date for every built-in price, and prices a fine-tuned base at its own base model's price", () => {
    for (const price of Object.values(DEFAULT_PRICES))
      expect(price).toMatchObject({
        source: expect.stringContaining("openai.com") as unknown,
        as_of: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown,
      });
    expect(priceOf("ft:gpt-4o-mini-2024-07-18:acme::abc123")?.usd_per_1m_training_tokens).toBe(3);
    expect(priceOf("acme-llm-7b")).toBeNull();
  });

  it("is overridden by a file, then by MODEL_PRICES text; a malformed override is an error naming it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "prices-"));
    const file = path.join(dir, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({
        "acme-llm-7b": { usd_per_1m_training_tokens: 2, source: "acme contract", as_of: "2026-01-01" },
        "gpt-4o-mini-2024-07-18": { usd_per_1m_training_tokens: 4, source: "negotiated", as_of: "2026-02-01" },
      }),
    );
    const table = buildPriceTable({
      file,
      json: JSON.stringify({ "gpt-4o-mini-2024-07-18": { usd_per_1m_training_tokens: 3.5, source: "env", as_of: "2026-03-01" } }),
    });
    expect(priceOf("acme-llm-7b", table)?.usd_per_1m_training_tokens).toBe(2);
    expect(priceOf("gpt-4o-mini-2024-07-18", table)).toEqual({ usd_per_1m_training_tokens: 3.5, source: "env", as_of: "2026-03-01" });
    expect(jobCost({ ...base, modelName: "acme-llm-7b" }, table).estimated_total_usd).toBe(0.126); // 63,000 × $2/1M
    expect(() => buildPriceTable({ json: "{nope" })).toThrow(/MODEL_PRICES is not JSON/);
    expect(() =>
      buildPriceTable({ json: JSON.stringify({ x: { usd_per_1m_training_tokens: -1, source: "s", as_of: "2026-01-01" } }) }),
    ).toThrow(/MODEL_PRICES is not a price table/);
  });
});

describe("token count (tiktoken, the cookbook's chat framing)", () => {
  it("counts 'Hello, world!' as 4 tokens, plus 3 per message, its role, and 3 per example", () => {
    const line = JSON.stringify({ messages: [{ role: "user", content: "Hello, world!" }] });
    // 3 (example) + 3 (message) + 1 ("user") + 4 ("Hello" "," " world" "!")
    expect(countTrainingFileTokens(line, "gpt-4o-mini-2024-07-18")).toBe(11);
    expect(countTrainingFileTokens(line, "gpt-3.5-turbo-0125")).toBe(11);
    expect(countTrainingFileTokens(`${line}\n${line}\n`, "gpt-4o-mini-2024-07-18")).toBe(22);
  });
});

describe("cost on the wire", () => {
  let sandbox: Sandbox;
  let provider: FinetuningProvider;
  beforeAll(async () => {
    ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 50, validatingMs: 50, queuedMs: 50, runningMs: 300 }));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it("a job through the worker: its file's tokens give the estimate before start; the final cost is trained_tokens × price", async () => {
    const { connection, goldenRecordIds } = await makeConnection(db(), { goldenRecords: 12 });
    const job = await makeJob(db(), { dbConnectionId: connection.id, goldenRecordIds });
    const caller = await callerAs("viewer", provider);
    expect((await caller.finetuning.get({ finetuning_id: job.id })).cost).toMatchObject({
      estimated_total_usd: null,
      so_far_usd: null,
      usd_per_1m_training_tokens: 3,
    });
    await driveJob({ db: db(), provider, jobId: job.id });
    const row = await db().finetuningJob.findUniqueOrThrow({ where: { id: job.id } });
    const tokens = row.trainingFileTokens ?? 0;
    expect(tokens).toBeGreaterThan(12 * 50); // 12 examples, each a schema prompt, a question and its SQL
    const { cost } = await caller.finetuning.get({ finetuning_id: job.id });
    expect(cost.estimated_total_usd).toBe(Math.round((tokens * 1 * 3) / 100) / 10_000); // makeJob asks for 1 epoch; $0.0001 steps
    expect(cost.final_usd).toBe(Math.round(((row.trainedTokens ?? 0) * 3) / 100) / 10_000);
  });

  it("an unknown base model reads 'price unknown' (null amounts) on the wire", async () => {
    const job = await makeJob(db(), { status: "running" });
    await db().finetuningJob.update({
      where: { id: job.id },
      data: { modelName: "acme-llm-7b", trainingFileTokens: 5_000, step: 5, totalSteps: 10 },
    });
    const caller = await callerAs("viewer", provider);
    const wire = await caller.finetuning.get({ finetuning_id: job.id });
    expect(wire.cost).toMatchObject({
      so_far_usd: null,
      estimated_total_usd: null,
      final_usd: null,
      usd_per_1m_training_tokens: null,
      training_file_tokens: 5_000,
    });
    expect(wire.progress).toMatchObject({ step: 5, total_steps: 10, percent: 50 });
  });
});

import "../helpers/env";
import { afterAll, beforeAll, expect, it } from "vitest";
import { db } from "../../server/db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { sandboxProvider, uploadProcessedFile } from "../helpers/provider";
import { raceCancelAgainstCompletion } from "../helpers/races";
import { ScenarioReport } from "./report";

let sandbox: Sandbox;
let provider: FinetuningProvider;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, runningMs: Infinity }));
});
afterAll(async () => {
  await sandbox.close();
});

it("500 iterations of cancel racing provider completion", async () => {
  const report = new ScenarioReport("500 cancel/completion races");
  const fileId = await uploadProcessedFile(provider);
  const tally = await raceCancelAgainstCompletion({ db: db(), provider, sandbox, fileId, iterations: 500 });
  for (let i = 0; i < tally.cancelWon; i++) report.success();
  for (let i = 0; i < tally.completionWon; i++) report.error("CONFLICT");
  report.transitions = tally.cancelWon + tally.completionWon;
  report.violations.push(...tally.violations);
  report.print({ cancelWon: tally.cancelWon, completionWon: tally.completionWon });
  expect(report.violations).toEqual([]);
});

import "../helpers/env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import type { Sandbox } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";
import { sandboxProvider, uploadProcessedFile } from "../helpers/provider";
import { raceCancelAgainstCompletion } from "../helpers/races";

let sandbox: Sandbox;
let provider: FinetuningProvider;
let fileId: string;

beforeAll(async () => {
  ({ sandbox, provider } = await sandboxProvider({ fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, runningMs: Infinity }));
  fileId = await uploadProcessedFile(provider);
});
afterAll(async () => {
  await sandbox.close();
});

describe("cancel racing provider completion", () => {
  it("200 races: one winner, a clear answer for the loser, our record agrees with the provider", async () => {
    const tally = await raceCancelAgainstCompletion({ db: db(), provider, sandbox, fileId, iterations: 200 });
    console.log(`cancel won ${tally.cancelWon}, completion won ${tally.completionWon} of 200`);
    expect(tally.violations).toEqual([]);
    expect(tally.cancelWon).toBeGreaterThan(0); // both orders really happened
    expect(tally.completionWon).toBeGreaterThan(0);
  });
});

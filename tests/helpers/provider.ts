import { createOpenAIProvider } from "../../server/provider/openai";
import { startSandbox, type Sandbox, type SandboxTimings } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";

/** A real sandbox on loopback and the real provider module (the openai SDK) talking to it. */
export async function sandboxProvider(
  timings: Partial<SandboxTimings> = {},
  limits: { timeoutMs?: number; deadlineMs?: number } = {},
): Promise<{ sandbox: Sandbox; provider: FinetuningProvider }> {
  const sandbox = await startSandbox({ timings });
  const provider = createOpenAIProvider({
    apiKey: "sk-sandbox",
    baseURL: sandbox.url,
    timeoutMs: limits.timeoutMs ?? 5_000,
    deadlineMs: limits.deadlineMs ?? 3_000,
  });
  return { sandbox, provider };
}

/** A provider whose every call fails to connect: nothing listens on port 9 of loopback. */
export function unreachableProvider(): FinetuningProvider {
  return createOpenAIProvider({ apiKey: "sk-none", baseURL: "http://127.0.0.1:9/v1", timeoutMs: 500, deadlineMs: 600 });
}

/** A valid training file at the provider, processed and ready for jobs. */
export async function uploadProcessedFile(provider: FinetuningProvider): Promise<string> {
  const line = JSON.stringify({ messages: [{ role: "user", content: "How many orders?" }, { role: "assistant", content: "SELECT count(*) FROM orders;" }] });
  const { fileId } = await provider.uploadTrainingFile({ jobId: crypto.randomUUID(), jsonl: Array(10).fill(line).join("\n") });
  for (let i = 0; i < 200 && (await provider.fileState(fileId)).status !== "processed"; i++) await new Promise((r) => setTimeout(r, 25));
  return fileId;
}

import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createOpenAIProvider } from "../../server/provider/openai";
import { createTogetherProvider } from "../../server/provider/together";
import { startSandbox, type Sandbox, type SandboxOptions, type SandboxTimings } from "../../server/provider/sandbox";
import type { FinetuningProvider } from "../../server/provider/types";

/** A real sandbox on loopback and the real provider module (the openai SDK) talking to it. */
export async function sandboxProvider(
  timings: Partial<SandboxTimings> = {},
  limits: { timeoutMs?: number; deadlineMs?: number } = {},
  options: Omit<SandboxOptions, "timings"> = {},
): Promise<{ sandbox: Sandbox; provider: FinetuningProvider }> {
  const sandbox = await startSandbox({ ...options, timings });
  return { sandbox, provider: providerFor(sandbox, limits) };
}

/** The real provider module pointed at a sandbox front. */
export function providerFor(sandbox: Sandbox, limits: { timeoutMs?: number; deadlineMs?: number } = {}): FinetuningProvider {
  return createOpenAIProvider({
    apiKey: sandbox.apiKey,
    baseURL: sandbox.url,
    timeoutMs: limits.timeoutMs ?? 5_000,
    deadlineMs: limits.deadlineMs ?? 3_000,
  });
}

/**
 * Options for a sandbox whose state lives in the test database, in a schema
 * of its own so tests running at once never see each other's jobs.
 */
export function durableSandboxOptions(schema = `sandbox_t${randomBytes(5).toString("hex")}`): { databaseUrl: string; schema: string } {
  return { databaseUrl: inject("databaseUrl"), schema };
}

export async function dropSandboxSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A request to the sandbox's control API, with its token. */
export function sandboxControl(
  sandbox: Pick<Sandbox, "origin" | "controlToken">,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${sandbox.controlToken}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${sandbox.origin}/_sandbox/${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** A provider whose every call fails to connect: nothing listens on port 9 of loopback. */
export function unreachableProvider(): FinetuningProvider {
  return createOpenAIProvider({ apiKey: "sk-none", baseURL: "http://127.0.0.1:9/v1", timeoutMs: 500, deadlineMs: 600 });
}

/** A valid training file at the provider, processed and ready for jobs. */
export async function uploadProcessedFile(provider: FinetuningProvider, examples = 10): Promise<string> {
  const line = JSON.stringify({
    messages: [
      { role: "user", content: "How many orders?" },
      { role: "assistant", content: "SELECT count(*) FROM orders;" },
    ],
  });
  const { fileId } = await provider.uploadTrainingFile({ jobId: crypto.randomUUID(), jsonl: Array(examples).fill(line).join("\n") });
  for (let i = 0; i < 200 && (await provider.fileState(fileId)).status !== "processed"; i++) await new Promise((r) => setTimeout(r, 25));
  return fileId;
}

/** A real Together sandbox on loopback and the real Together provider module (the together-ai SDK) talking to it. */
export async function togetherSandboxProvider(
  timings: Partial<SandboxTimings> = {},
  limits: { timeoutMs?: number; deadlineMs?: number } = {},
  options: Omit<SandboxOptions, "timings" | "flavor"> = {},
): Promise<{ sandbox: Sandbox; provider: FinetuningProvider }> {
  const sandbox = await startSandbox({ ...options, timings, flavor: "together" });
  return { sandbox, provider: togetherProviderFor(sandbox, limits) };
}

export function togetherProviderFor(sandbox: Sandbox, limits: { timeoutMs?: number; deadlineMs?: number } = {}): FinetuningProvider {
  return createTogetherProvider({
    apiKey: sandbox.apiKey,
    baseURL: sandbox.url,
    timeoutMs: limits.timeoutMs ?? 5_000,
    deadlineMs: limits.deadlineMs ?? 3_000,
  });
}

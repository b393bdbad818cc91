import "server-only";
import { env } from "../env";
import { createOpenAIProvider } from "./openai";
import type { FinetuningProvider } from "./types";

const globalForProvider = globalThis as unknown as { controlRoomProvider?: FinetuningProvider };

/** The process's provider: OpenAI, or the local sandbox the launcher points OPENAI_BASE_URL at. */
export function provider(): FinetuningProvider {
  if (!globalForProvider.controlRoomProvider) {
    const e = env();
    globalForProvider.controlRoomProvider = createOpenAIProvider({
      apiKey: e.OPENAI_API_KEY ?? "sk-no-key-configured",
      baseURL: e.OPENAI_BASE_URL,
      timeoutMs: e.PROVIDER_TIMEOUT_MS,
      deadlineMs: e.PROVIDER_CANCEL_DEADLINE_MS,
    });
  }
  return globalForProvider.controlRoomProvider;
}

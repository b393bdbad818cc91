import "server-only";
import { db } from "../db";
import { env, providerMaxRps } from "../env";
import { budgetedFetch, requestBudget } from "./budget";
import type { ProviderName } from "./capabilities";
import { createOpenAIProvider } from "./openai";
import { createTogetherProvider } from "./together";
import type { Providers } from "./types";

const globalForProvider = globalThis as unknown as { controlRoomProviders?: Providers };

/**
 * The process's providers: OpenAI (or the local sandbox the launcher points
 * OPENAI_BASE_URL at) and Together AI (or its sandbox, at TOGETHER_BASE_URL),
 * the latter only when it is configured.
 */
export function provider(): Providers {
  if (!globalForProvider.controlRoomProviders) {
    const e = env();
    const timeouts = { timeoutMs: e.PROVIDER_TIMEOUT_MS, deadlineMs: e.PROVIDER_CANCEL_DEADLINE_MS };
    // Every request to a provider, from every process, keeps to its budget.
    const budgeted = (provider: ProviderName) =>
      budgetedFetch(requestBudget({ db: db(), provider, ratePerSecond: providerMaxRps(provider) }));
    globalForProvider.controlRoomProviders = {
      openai: createOpenAIProvider({
        apiKey: e.OPENAI_API_KEY ?? "sk-no-key-configured",
        baseURL: e.OPENAI_BASE_URL,
        ...timeouts,
        fetch: budgeted("openai"),
      }),
      together:
        e.TOGETHER_API_KEY || e.TOGETHER_BASE_URL
          ? createTogetherProvider({
              apiKey: e.TOGETHER_API_KEY ?? "no-key-configured",
              baseURL: e.TOGETHER_BASE_URL,
              ...timeouts,
              fetch: budgeted("together"),
            })
          : undefined,
    };
  }
  return globalForProvider.controlRoomProviders;
}

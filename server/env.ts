import { z } from "zod";

// Every environment variable the product reads, parsed once. The launcher
// (scripts/start.ts) fills DATABASE_URL, the auth secret and the sandbox's
// OpenAI settings before anything imports this.
const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().min(1, "DATABASE_URL is not set (npm start starts an embedded Postgres and sets it)"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  APP_URL: z.url().optional(),
  BETTER_AUTH_SECRET: z.string().min(32).default("development-only-secret-change-me-0000000000"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  PROVIDER_CANCEL_DEADLINE_MS: z.coerce.number().int().min(100).default(15_000),
  WORKER_POLL_MS: z.coerce.number().int().min(100).default(1_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6_000),
  // Webhooks: private/loopback receivers only when set (local setups, tests); the retry schedule.
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(1).default(86_400_000),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  cached ??= schema.parse(process.env);
  return cached;
}

export function appUrl(): string {
  const e = env();
  return e.APP_URL ?? `http://localhost:${e.PORT}`;
}

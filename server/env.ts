import "server-only";
import { randomBytes } from "node:crypto";
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
  // No default: the launcher keeps one in .data/auth-secret; production refuses to start without one.
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  // Addresses or CIDR ranges (comma-separated) of proxies whose X-Forwarded-For is believed; none by default.
  TRUSTED_PROXIES: z.string().default(""),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  // Together AI: unset key → the local Together sandbox (the launcher sets both to it).
  TOGETHER_API_KEY: z.string().optional(),
  TOGETHER_BASE_URL: z.url().optional(),
  // How long a cancel may wait for the provider's confirmation before the job is marked stuck and the cancel re-sent.
  CANCEL_CONFIRM_TIMEOUT_MS: z.coerce.number().int().min(100).default(600_000),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  // Requests a second to each provider, for all processes together (server/provider/budget.ts).
  PROVIDER_MAX_RPS_OPENAI: z.coerce.number().positive().max(10_000).default(20),
  PROVIDER_MAX_RPS_TOGETHER: z.coerce.number().positive().max(10_000).default(10),
  PROVIDER_CANCEL_DEADLINE_MS: z.coerce.number().int().min(100).default(15_000),
  WORKER_POLL_MS: z.coerce.number().int().min(100).default(1_000),
  // Operations: the in-process worker, live feeds, metrics, shutdown, the local sandbox (docs/DEPLOY.md).
  WORKER: z.enum(["on", "off"]).default("on"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
  LIVE_FEED_MAX_DURATION_MS: z.coerce.number().int().min(1_000).max(300_000).default(240_000),
  // Live feeds one user may hold open at once on one app instance (each tab holds one).
  LIVE_FEED_MAX_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
  METRICS_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(9464),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // `npm start` in production keeps Node's source maps only when "on" (scripts/start.ts).
  NODE_SOURCE_MAPS: z.enum(["on", "off"]).default("off"),
  // Where the launchers keep local state (embedded Postgres, auth secret, sandbox token); relative to the checkout.
  DATA_DIR: z.string().min(1).default(".data"),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SANDBOX_CONTROL_TOKEN: z.string().min(1).optional(),
  SANDBOX_TIMINGS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON, e.g. {"runningMs": 60000}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.number().int().min(0)))
    .optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6_000),
  // Fine-tuning prices (server/finetuning/prices.ts): a JSON file and/or JSON text overriding the built-in table.
  MODEL_PRICES_FILE: z.string().min(1).optional(),
  MODEL_PRICES: z.string().min(1).optional(),
  // Webhooks: private/loopback receivers only when set (local setups, tests); the retry schedule.
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(1).default(86_400_000),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  cached ??= withAuthSecret(schema.parse(process.env));
  return cached;
}

// Without the launcher there is no kept secret: production stops here, and
// development gets a random one for this process (sessions end on restart).
// It goes into process.env so every copy of this module in the process agrees.
function withAuthSecret(parsed: Env): Env {
  if (parsed.BETTER_AUTH_SECRET) return parsed;
  if (parsed.NODE_ENV === "production") {
    throw new Error("BETTER_AUTH_SECRET is not set: set a random secret of 32+ characters (npm start keeps one in .data/auth-secret).");
  }
  process.env.BETTER_AUTH_SECRET = randomBytes(32).toString("base64url");
  console.warn("BETTER_AUTH_SECRET is not set: using a random one for this process; sessions will not survive a restart.");
  return { ...parsed, BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET };
}

/** The requests a second `provider` may be sent, by every process together (PROVIDER_MAX_RPS_*). */
export function providerMaxRps(provider: string): number {
  const e = env();
  return provider === "together" ? e.PROVIDER_MAX_RPS_TOGETHER : e.PROVIDER_MAX_RPS_OPENAI;
}

/** The session signing secret (always set once env() has been read). */
export function authSecret(): string {
  const secret = env().BETTER_AUTH_SECRET;
  if (!secret) throw new Error("BETTER_AUTH_SECRET is not set");
  return secret;
}

export function appUrl(): string {
  const e = env();
  return e.APP_URL ?? `http://localhost:${e.PORT}`;
}

/**
 * The origins a browser may use the app from: APP_URL's alone when it is set;
 * otherwise every loopback name for the port (localhost, 127.0.0.1, [::1]).
 */
export function appOrigins(): string[] {
  const e = env();
  if (e.APP_URL) return [new URL(e.APP_URL).origin];
  return ["localhost", "127.0.0.1", "[::1]"].map((host) => `http://${host}:${e.PORT}`);
}

/** The schema itself: the README's configuration table is checked against it. */
export const envSchema = schema;

/**
 * The operations settings, read without caching and without DATABASE_URL:
 * for the launchers, which fill the rest of the environment before env().
 */
export function launchEnv() {
  const parsed = schema
    .pick({
      PORT: true,
      WORKER: true,
      WORKER_CONCURRENCY: true,
      WORKER_POLL_MS: true,
      METRICS_PORT: true,
      METRICS_HOST: true,
      SHUTDOWN_TIMEOUT_MS: true,
      NODE_SOURCE_MAPS: true,
      DATA_DIR: true,
      SANDBOX_PORT: true,
      SANDBOX_TIMINGS: true,
      SANDBOX_CONTROL_TOKEN: true,
      OPENAI_API_KEY: true,
      OPENAI_BASE_URL: true,
      TOGETHER_API_KEY: true,
      TOGETHER_BASE_URL: true,
    })
    .safeParse(process.env);
  if (!parsed.success) throw new Error(`A setting in the environment is wrong:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

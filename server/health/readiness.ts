import type { Db } from "../db";
import { migrationNames, MIGRATIONS_DIR } from "../db/migrations-dir";
import { env } from "../env";
import { PROVIDER_NAMES, type ProviderName } from "../provider/capabilities";
import { providerFor, type FinetuningProvider, type ProviderSource } from "../provider/types";

// GET /api/ready: can this instance do its work? Every check says ok or not
// and why, without secrets; the answer is 503 until all are ok.

export const HEARTBEAT_FRESH_MS = 30_000;
const PROVIDER_CHECK_EVERY_MS = 15_000;
const CHECK_TIMEOUT_MS = 3_000;

export type Check = { ok: boolean; detail: string };
export type Readiness = { status: "ready" | "not_ready"; checks: Record<"database" | "migrations" | "worker" | "provider", Check> };

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);
}

// Error messages may carry a connection string or a key: those parts never
// leave. Keys by their shapes (OpenAI's sk-, ours ftcr_, Together's tgp_ and
// its older 64 hex digits) and the configured provider keys as they are.
export function redact(message: string, secrets: readonly string[] = configuredKeys()): string {
  let out = message
    .replace(/\/\/[^@\s/]*@/g, "//***@")
    .replace(/\b(sk|ftcr|tgp)[-_][A-Za-z0-9_-]+/g, "$1-***")
    .replace(/\b[0-9a-f]{40,}\b/gi, "***");
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join("***");
  return out;
}

function configuredKeys(): string[] {
  const { OPENAI_API_KEY, TOGETHER_API_KEY } = env();
  return [OPENAI_API_KEY, TOGETHER_API_KEY].filter((key): key is string => Boolean(key));
}

const failed = (error: unknown): Check => ({
  ok: false,
  detail: redact(error instanceof Error ? (error.message.split("\n")[0] ?? "failed") : "failed"),
});

async function checkDatabase(db: Db): Promise<Check> {
  await withTimeout(db.$queryRaw`SELECT 1`, "the database");
  return { ok: true, detail: "reachable" };
}

async function checkMigrations(db: Db): Promise<Check> {
  const expected = await migrationNames(MIGRATIONS_DIR);
  const rows = await withTimeout(
    db.$queryRaw<
      Array<{ migration_name: string }>
    >`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    "the database",
  );
  const applied = new Set(rows.map((row) => row.migration_name));
  const pending = expected.filter((name) => !applied.has(name));
  return pending.length === 0
    ? { ok: true, detail: `${expected.length} applied` }
    : { ok: false, detail: `${pending.length} pending (npm run db:migrate): ${pending.join(", ")}` };
}

async function checkWorker(db: Db): Promise<Check> {
  const latest = await withTimeout(db.workerHeartbeat.findFirst({ orderBy: { beatAt: "desc" }, select: { beatAt: true } }), "the database");
  if (!latest) return { ok: false, detail: "no worker has ever run on this database (npm run worker, or WORKER=on)" };
  const age = Date.now() - latest.beatAt.getTime();
  const alive = await db.workerHeartbeat.count({ where: { beatAt: { gt: new Date(Date.now() - HEARTBEAT_FRESH_MS) } } });
  return age <= HEARTBEAT_FRESH_MS
    ? { ok: true, detail: `${alive} alive, last beat ${Math.round(age / 1000)} s ago` }
    : { ok: false, detail: `last worker heartbeat ${Math.round(age / 1000)} s ago` };
}

// The provider is asked at most every PROVIDER_CHECK_EVERY_MS (a readiness
// probe every second must not become a provider call every second).
type ProviderState = { checkedAt: number; result: Promise<Check> };
const providerChecks = new WeakMap<FinetuningProvider, ProviderState>();

/** The provider's base URL per provider (OPENAI_BASE_URL, TOGETHER_BASE_URL); unset: the provider's own. */
export type ProviderBaseUrls = Partial<Record<ProviderName, string | undefined>>;

/** A local sandbox (a loopback base URL) or the real provider (its own API, or another endpoint). */
export function providerMode(baseUrl: string | undefined): "sandbox" | "real" {
  if (!baseUrl) return "real";
  const host = new URL(baseUrl).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" ? "sandbox" : "real";
}

/** "openai: sandbox, reachable", or "together: real, " and why not. */
function checkProvider(provider: FinetuningProvider, baseUrl: string | undefined): Promise<Check> {
  const cached = providerChecks.get(provider);
  if (cached && Date.now() - cached.checkedAt < PROVIDER_CHECK_EVERY_MS) return cached.result;
  const named = `${provider.name}: ${providerMode(baseUrl)}`;
  // A lookup of a job that does not exist: cheap, read-only, and it needs a working key.
  const result = withTimeout(provider.findJobFor("00000000-0000-4000-8000-000000000000"), "the provider").then(
    (): Check => ({ ok: true, detail: `${named}, reachable` }),
    (error: unknown): Check => ({ ok: false, detail: `${named}, ${failed(error).detail}` }),
  );
  providerChecks.set(provider, { checkedAt: Date.now(), result });
  return result;
}

/** Every configured provider must answer; the detail names each, with its mode. */
async function checkProviders(source: ProviderSource, baseUrls: ProviderBaseUrls): Promise<Check> {
  const configured = "createJob" in source ? [source] : PROVIDER_NAMES.flatMap((name) => (source[name] ? [providerFor(source, name)] : []));
  const checks = await Promise.all(configured.map((p) => checkProvider(p, baseUrls[p.name]).catch(failed)));
  return { ok: checks.every((c) => c.ok), detail: checks.map((c) => c.detail).join("; ") };
}

export async function readiness(args: { db: Db; provider: ProviderSource; providerBaseUrls: ProviderBaseUrls }): Promise<Readiness> {
  const settle = (check: () => Promise<Check>) => check().catch(failed);
  const [database, migrations, worker, provider] = await Promise.all([
    settle(() => checkDatabase(args.db)),
    settle(() => checkMigrations(args.db)),
    settle(() => checkWorker(args.db)),
    settle(() => checkProviders(args.provider, args.providerBaseUrls)),
  ]);
  const checks = { database, migrations, worker, provider };
  return { status: Object.values(checks).every((check) => check.ok) ? "ready" : "not_ready", checks };
}

// `npm run test:e2e`: installs Debian's Chromium when missing, builds the app,
// starts the real product (scripts/start.ts) on a fresh embedded Postgres with
// the local OpenAI sandbox, makes users and API keys, and runs Playwright.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { freePort } from "../../server/launch/embedded-state";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../server/launch/embedded";
import { applyMigrations } from "../../server/launch/migrate";
import { startCommandArgs } from "../helpers/start-command";

const ROOT = path.resolve(import.meta.dirname, "../..");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
const PASSWORD = "e2e-password-123";
const ROLES = ["admin", "operator", "viewer"] as const;

function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(wanted)) return wanted;
  if (process.getuid?.() !== 0) throw new Error(`Chromium not found at ${wanted}; install Debian's chromium package or set CHROMIUM_PATH`);
  console.log("e2e: installing Debian's chromium package (once per machine)…");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!existsSync(wanted)) throw new Error(`apt-get installed chromium, but ${wanted} is still missing`);
  return wanted;
}

async function waitForHttp(url: string, app: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`the app exited with code ${app.exitCode} before it was ready`);
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the app did not answer ${url} within ${timeoutMs} ms`);
}

async function prepareData(env: Record<string, string>): Promise<Record<string, string>> {
  Object.assign(process.env, env);
  const { createApiKey, createUser } = await import("../../server/auth/admin");
  const { seedDemoData } = await import("../../server/seed");
  const { db } = await import("../../server/db");
  const { stopQueue } = await import("../../server/worker/queue");
  await seedDemoData({ db: db() });
  const out: Record<string, string> = {};
  for (const role of ROLES) {
    const email = `${role}@e2e.test`;
    await createUser({ email, password: PASSWORD, role, name: `E2E ${role}` });
    out[`E2E_${role.toUpperCase()}_EMAIL`] = email;
    out[`E2E_${role.toUpperCase()}_PASSWORD`] = PASSWORD;
    out[`E2E_API_KEY_${role.toUpperCase()}`] = (await createApiKey({ name: `e2e-${role}`, role })).key;
  }
  // An admin whose password someone else chose, like the first start's: held at the password change.
  await createUser({ email: "newcomer@e2e.test", password: PASSWORD, role: "admin", name: "E2E newcomer", mustChangePassword: true });
  out.E2E_NEWCOMER_EMAIL = "newcomer@e2e.test";
  out.E2E_NEWCOMER_PASSWORD = PASSWORD;
  await stopQueue();
  await db().$disconnect();
  return out;
}

async function main(): Promise<number> {
  const chromium = ensureChromium();
  const dataDir = await mkdtemp(path.join(tmpdir(), "controlroom-e2e-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir });
  let app: ChildProcess | undefined;
  try {
    await applyMigrations({ databaseUrl: pg.url, migrationsDir: path.join(ROOT, "prisma", "migrations") });
    if (!(process.env.E2E_SKIP_BUILD && existsSync(path.join(ROOT, ".next", "BUILD_ID")))) {
      execFileSync(bin("next"), ["build"], {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      });
    }
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const baseUrl = `http://localhost:${port}`;
    const env = {
      DATABASE_URL: pg.url,
      BETTER_AUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
      APP_URL: baseUrl,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      // The sandbox control API answers only this run's token, which the launcher and the specs share.
      SANDBOX_CONTROL_TOKEN: randomBytes(24).toString("base64url"),
      SANDBOX_TIMINGS: JSON.stringify({ fileProcessingMs: 200, validatingMs: 1_000, queuedMs: 1_000, runningMs: 1e12 }),
      // The poll plan in 0.3 s units (a new job read every 1.5 s, a watched one every 0.9 s), and a
      // request budget the local sandboxes can take: the specs watch changes arrive within seconds.
      WORKER_POLL_MS: "300",
      PROVIDER_MAX_RPS_OPENAI: "200",
      PROVIDER_MAX_RPS_TOGETHER: "200",
      NEXT_TELEMETRY_DISABLED: "1",
      // The webhooks spec's receiver listens on loopback.
      WEBHOOK_ALLOW_PRIVATE: "1",
    };
    const credentials = await prepareData(env);
    const started = spawn(process.execPath, startCommandArgs(), {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_ENV: "production" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    app = started;
    await waitForHttp(`${baseUrl}/sign-in`, started, 120_000);
    const playwright = spawn(bin("playwright"), ["test", "-c", "playwright.config.ts", ...process.argv.slice(2)], {
      cwd: ROOT,
      stdio: "inherit",
      env: {
        ...process.env,
        ...env,
        ...credentials,
        E2E_BASE_URL: baseUrl,
        E2E_SANDBOX_ORIGIN: `http://127.0.0.1:${sandboxPort}`,
        CHROMIUM_PATH: chromium,
      },
    });
    return await new Promise<number>((resolve) => playwright.on("exit", (code) => resolve(code ?? 1)));
  } finally {
    if (app && app.exitCode === null) {
      app.kill("SIGTERM");
      await new Promise((resolve) => app?.once("exit", resolve));
    }
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

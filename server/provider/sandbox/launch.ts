// The local sandbox as the launchers start it (`npm start`, `npm run worker`)
// when no OPENAI_API_KEY is set: one front per process over the shared state
// in the product's database, so every process on that database sees the same
// provider jobs, and a restart carries them on.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startSandbox, type Sandbox } from "./index";
import { parseTimings } from "./timings";
import type { SandboxTimings } from "./types";

/**
 * Slow enough to watch and act on: a seeded job trains for 30 minutes (its
 * steps, loss and checkpoints arrive throughout). SANDBOX_TIMINGS overrides
 * any of these, e.g. {"runningMs":120000} for two minutes.
 */
export const WATCHABLE_TIMINGS: SandboxTimings = { fileProcessingMs: 1_500, validatingMs: 4_000, queuedMs: 4_000, runningMs: 30 * 60_000 };

export function launchTimings(raw = process.env.SANDBOX_TIMINGS): SandboxTimings {
  if (!raw) return WATCHABLE_TIMINGS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`SANDBOX_TIMINGS is not JSON: ${raw}`);
  }
  try {
    return { ...WATCHABLE_TIMINGS, ...parseTimings(parsed) };
  } catch (error) {
    throw new Error(`SANDBOX_TIMINGS: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Starts this process's sandbox front on `databaseUrl` and points the provider
 * (OPENAI_API_KEY, OPENAI_BASE_URL) at it. The control API's token is
 * SANDBOX_CONTROL_TOKEN when set (tests hold it), else a new one each run,
 * written to `tokenFile` (mode 0600) when given.
 */
export async function launchSandbox(args: { databaseUrl: string; port?: number; tokenFile?: string }): Promise<Sandbox> {
  const sandbox = await startSandbox({
    databaseUrl: args.databaseUrl,
    port: args.port ?? 0,
    timings: launchTimings(),
    controlToken: process.env.SANDBOX_CONTROL_TOKEN || undefined,
  });
  if (args.tokenFile && !process.env.SANDBOX_CONTROL_TOKEN) {
    await mkdir(path.dirname(args.tokenFile), { recursive: true });
    await writeFile(args.tokenFile, `${sandbox.controlToken}\n`, { mode: 0o600 });
    await chmod(args.tokenFile, 0o600);
  }
  process.env.OPENAI_API_KEY = sandbox.apiKey;
  process.env.OPENAI_BASE_URL = sandbox.url;
  return sandbox;
}

/**
 * The local Together sandbox, as the launchers start it when no
 * TOGETHER_API_KEY is set: its state in the same database (schema
 * "sandbox_together"), the same timings, a cancel confirmed after a few
 * seconds; TOGETHER_API_KEY and TOGETHER_BASE_URL then point at it. Its
 * control API takes the same token as the OpenAI sandbox's.
 */
export async function launchTogetherSandbox(args: { databaseUrl: string; tokenFile?: string }): Promise<Sandbox> {
  const kept = args.tokenFile ? await readFile(args.tokenFile, "utf8").catch(() => "") : "";
  const sandbox = await startSandbox({
    flavor: "together",
    databaseUrl: args.databaseUrl,
    timings: { cancelConfirmMs: 8_000, ...launchTimings() },
    controlToken: process.env.SANDBOX_CONTROL_TOKEN || kept.trim() || undefined,
  });
  if (args.tokenFile && !process.env.SANDBOX_CONTROL_TOKEN && !kept.trim()) {
    await mkdir(path.dirname(args.tokenFile), { recursive: true });
    await writeFile(args.tokenFile, `${sandbox.controlToken}\n`, { mode: 0o600 });
  }
  process.env.TOGETHER_API_KEY = sandbox.apiKey;
  process.env.TOGETHER_BASE_URL = sandbox.url;
  return sandbox;
}

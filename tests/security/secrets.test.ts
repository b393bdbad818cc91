import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Reads env() in a fresh process with the given environment; its exit code and output. */
function readEnv(extra: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: "postgresql://unused@127.0.0.1:1/none", ...extra };
  for (const [name, value] of Object.entries(extra)) if (value === undefined) delete env[name];
  const script = `import("./server/env.ts").then(({ env, authSecret }) => { env(); console.log(authSecret().length); })`;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("secrets: no default BETTER_AUTH_SECRET outside the launcher", () => {
  it("production refuses to start without one", async () => {
    const result = await readEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: undefined });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/BETTER_AUTH_SECRET is not set/);
  });

  it("development gets a random per-process secret, never a known one", async () => {
    const result = await readEnv({ NODE_ENV: "development", BETTER_AUTH_SECRET: undefined });
    expect(result.code).toBe(0);
    expect(Number(result.stdout.trim())).toBeGreaterThanOrEqual(32);
    expect(result.stderr).toMatch(/random one for this process/);
  });

  it("production starts with one", async () => {
    const result = await readEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "a-real-secret-of-more-than-32-characters" });
    expect(result.code).toBe(0);
  });
});

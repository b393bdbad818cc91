import "../helpers/env";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { authenticateApiKey } from "../../server/auth/api-key";
import { db } from "../../server/db";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: ROOT, env: { ...process.env } });

describe("npm run --silent cli", () => {
  it("api-key create prints the new key and nothing else on stdout; the key works with its role", async () => {
    const { stdout } = await cli("api-key", "create", "--name", "cli-test", "--role", "operator");
    expect(stdout).toMatch(/^ftcr_[A-Za-z0-9]+\n$/);
    const actor = await authenticateApiKey({ db: db(), key: stdout.trim() });
    expect(actor).toMatchObject({ kind: "api_key", name: "cli-test", role: "operator" });
  });

  it("user create makes a user of each role; a bad role is refused", async () => {
    const email = `cli-${Date.now()}@example.test`;
    await cli("user", "create", "--email", email, "--password", "long-enough-1", "--role", "viewer");
    expect(await db().user.findUnique({ where: { email }, select: { role: true } })).toEqual({ role: "viewer" });
    await expect(cli("user", "create", "--email", `x${email}`, "--password", "long-enough-1", "--role", "root")).rejects.toMatchObject({
      code: 1,
    });
  });
});

import "../helpers/env";
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { auth } from "../../server/auth/auth";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The CLI with `stdin` piped in; its exit code and output. */
function cli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "scripts/cli.ts", ...args],
      { cwd: ROOT, env: { ...process.env } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe("the CLI: passwords from stdin, and the password rule", () => {
  it("user create --password - reads the password from stdin; a common password is refused", async () => {
    const email = `cli-stdin-${Date.now()}@example.test`;
    const weak = await cli(["user", "create", "--email", email, "--password", "-", "--role", "viewer"], "password1234\n");
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/too easy to guess/);
    expect(await db().user.findUnique({ where: { email } })).toBeNull();

    const made = await cli(["user", "create", "--email", email, "--password", "-", "--role", "viewer"], "juniper-socket-marble-55\n");
    expect(made.code).toBe(0);
    expect(made.stdout).toBe("");
    const signedIn = await auth().api.signInEmail({ body: { email, password: "juniper-socket-marble-55" } });
    expect(signedIn.user.email).toBe(email);
  });
});

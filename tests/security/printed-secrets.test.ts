import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printableUrl } from "../../server/launch/printable-url";
import { killGroup } from "../helpers/processes";
import { startCommandArgs } from "../helpers/start-command";

// What the launchers print lands in terminals, CI logs and log collectors:
// never a token or a credential. URLs are printed without userinfo or query.

const ROOT = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "controlroom-printed-"));
});
afterAll(async () => {
  for (const child of children) if (child.pid) killGroup(child.pid);
  await rm(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Runs `args` under node with tsx until its output matches `until`, then ends it; resolves with everything it printed. */
function printedUntil(args: string[], env: Record<string, string | undefined>, until: RegExp): Promise<string> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: merged, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${until} within 120 s: ${out}`)), 120_000);
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      if (!until.test(out)) return;
      clearTimeout(timer);
      killGroup(child.pid as number);
      resolve(out);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!until.test(out)) reject(new Error(`exited (${code}) before printing ${until}: ${out}`));
    });
  });
}

describe("what the launchers print", () => {
  it("npm run sandbox makes a control token and keeps it in a file of mode 0600, not in its output", async () => {
    const tokenFile = path.join(dir, "sandbox-token");
    const port = await freePort();
    const out = await printedUntil(
      ["--import", "tsx", "server/provider/sandbox/main.ts", "--port", String(port), "--token-file", tokenFile],
      { SANDBOX_CONTROL_TOKEN: undefined },
      /Control API: .*\n/,
    );
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect(token.length).toBeGreaterThanOrEqual(20);
    expect(out).not.toContain(token);
    expect(out).toContain(tokenFile);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
  }, 180_000);

  it("npm run sandbox does not print a token it was given", async () => {
    const given = "given-control-token-4f1c9a7e2b";
    const port = await freePort();
    const out = await printedUntil(
      ["--import", "tsx", "server/provider/sandbox/main.ts", "--port", String(port)],
      { SANDBOX_CONTROL_TOKEN: given },
      /Control API: .*\n/,
    );
    expect(out).not.toContain(given);
  }, 180_000);

  it("npm start prints OPENAI_BASE_URL without its user, password or query", async () => {
    const out = await printedUntil(
      [...startCommandArgs(), "--dev"],
      {
        DATA_DIR: dir,
        PORT: String(await freePort()),
        METRICS_PORT: "off",
        WORKER: "off",
        OPENAI_API_KEY: "sk-printed-secrets-test",
        OPENAI_BASE_URL: "https://svc-user:s3cret-pass@llm.example.invalid/v1?api-key=k3y-in-query",
      },
      /OpenAI: .*\n/,
    );
    expect(out).toContain("OpenAI: https://llm.example.invalid/v1\n");
    for (const secret of ["svc-user", "s3cret-pass", "k3y-in-query", "sk-printed-secrets-test"]) expect(out).not.toContain(secret);
  }, 180_000);

  it("a database URL is printed without its password", () => {
    expect(printableUrl("postgresql://postgres:0f9e8d7c6b5a@127.0.0.1:5432/controlroom")).toBe("postgresql://127.0.0.1:5432/controlroom");
    expect(printableUrl("not a url with a p4ssword")).toBe("(not a URL)");
  });
});

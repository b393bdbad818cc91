import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// Ctrl-C in a terminal signals the whole foreground process group. The
// embedded Postgres must not be in it: the launcher drains the app and the
// worker first, against a database still up, and stops Postgres last.

const ROOT = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("Ctrl-C with an embedded Postgres", () => {
  it("the launcher's whole process group gets SIGINT: the database still answers during the shutdown, then stops", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "controlroom-ctrlc-"));
    dirs.push(dir);
    await chmod(dir, 0o711); // the server runs as the `postgres` user when we are root
    const dataDir = path.join(dir, "pg");
    // detached: the launcher leads a process group of its own, as a shell's foreground job does.
    const launcher = spawn(process.execPath, ["--import", "tsx", "tests/helpers/embedded-launcher.ts", dataDir], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    launcher.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    launcher.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!out.includes("ready")) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`the launcher did not start: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const postmasterPid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(isAlive(postmasterPid)).toBe(true);

    process.kill(-(launcher.pid as number), "SIGINT"); // what the terminal does
    expect(await exited).toBe(0);
    expect(out).toContain("after SIGINT the database answered 1");
    expect(isAlive(postmasterPid)).toBe(false);
  });
});

import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { groupAlive, killGroup, until } from "../helpers/processes";

// Whatever hangs in a shutdown, the process is gone soon after
// SHUTDOWN_TIMEOUT_MS (one second here), its embedded Postgres first.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHUTDOWN_TIMEOUT_MS = 1_000;
const dirs: string[] = [];
const groups: number[] = [];

afterAll(async () => {
  for (const group of groups) killGroup(group);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function startHanging(mode: "hang" | "block") {
  const dir = await mkdtemp(path.join(tmpdir(), "controlroom-deadline-"));
  dirs.push(dir);
  await chmod(dir, 0o711); // the server runs as the `postgres` user when we are root
  const dataDir = path.join(dir, "pg");
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/hanging-launcher.ts", dataDir, mode], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  groups.push(child.pid as number);
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  await until(() => out.includes("ready") || child.exitCode !== null, 120_000, "the launcher is up");
  const postgres = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  groups.push(postgres);
  return { child, exited, postgres };
}

describe("the shutdown's hard deadline", () => {
  it("a stage that never finishes: the process exits with code 3, its Postgres stopped, within SHUTDOWN_TIMEOUT_MS + 5 s", async () => {
    const { child, exited, postgres } = await startHanging("hang");
    process.kill(child.pid as number, "SIGTERM");
    await until(() => child.exitCode !== null && !groupAlive(postgres), SHUTDOWN_TIMEOUT_MS + 5_000, "the launcher and its Postgres gone");
    expect(await exited).toEqual({ code: 3, signal: null });
  }, 180_000);

  // Its own deadline cannot fire then: without the watchdog it would never
  // end. (Bounded generously: a busy machine starves the watchdog's thread too.)
  it("a stage that blocks the event loop: the watchdog thread stops Postgres and kills the process", async () => {
    const { child, exited, postgres } = await startHanging("block");
    process.kill(child.pid as number, "SIGTERM");
    await until(() => child.signalCode !== null && !groupAlive(postgres), 60_000, "the launcher and its Postgres gone");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
  }, 180_000);
});

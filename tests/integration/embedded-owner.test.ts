import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/launch/embedded";
import { readOwner } from "../../server/launch/embedded-owner";
import { killGroup, until } from "../helpers/processes";

// Who may start, attach to or stop a data folder's embedded Postgres, when
// an earlier launcher is still stopping, or was killed and left it behind.

const ROOT = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
const children: ChildProcess[] = [];
const servers: EmbeddedPostgres[] = [];

afterAll(async () => {
  for (const server of servers) await server.stop(1_000);
  for (const child of children) if (child.pid) killGroup(child.pid);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "controlroom-owner-"));
  dirs.push(dir);
  await chmod(dir, 0o711); // the server runs as the `postgres` user when we are root
  return path.join(dir, "pg");
}

/** tests/helpers/embedded-launcher.ts, optionally under `wrapper` (a subreaper), in a process group of its own. */
function startMiniLauncher(dataDir: string, drainMs: number, wrapper: string[] = []): { child: ChildProcess; output: () => string } {
  const command = [...wrapper, process.execPath, "--import", "tsx", "tests/helpers/embedded-launcher.ts", dataDir, String(drainMs)];
  const child = spawn(command[0] as string, command.slice(1), { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out };
}

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
}

async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), as tini,
// `systemd --user` or a container's init do, runs the command and reaps
// whatever is left to it until nothing is.
const SUBREAPER = [
  "python3",
  "-c",
  [
    "import ctypes, os, subprocess, sys",
    "ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)",
    "subprocess.Popen(sys.argv[1:])",
    "while True:",
    "    try: os.wait()",
    "    except ChildProcessError: break",
  ].join("\n"),
];

describe("the embedded database's owner", () => {
  it("a start while the previous owner is still stopping waits for its Postgres, saying so on one line, and never stops it underneath", async () => {
    const dataDir = await dataFolder();
    const previous = startMiniLauncher(dataDir, 4_000);
    await until(() => previous.output().includes("ready"), 120_000, "the first launcher is up");
    const exited = new Promise<number | null>((resolve) => previous.child.once("exit", resolve));
    process.kill(-(previous.child.pid as number), "SIGTERM");
    await until(async () => (await readOwner(dataDir))?.stoppingBy !== undefined, 30_000, "the first launcher says it is stopping");

    const notices: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir, exclusive: true, notice: (line) => notices.push(line) });
    servers.push(server);
    expect(server.owned).toBe(true);
    expect(notices.filter((line) => /still shutting down; waiting for it/.test(line))).toHaveLength(1);
    // The first one drained against its own database, which was still there.
    expect(await exited).toBe(0);
    expect(previous.output()).toContain("after SIGTERM the database answered 1");
    expect((await readOwner(dataDir))?.pid).toBe(process.pid);
    await server.stop();
  }, 240_000);

  it("a Postgres left behind by a killed launcher under a subreaper is stopped and replaced", async () => {
    const dataDir = await dataFolder();
    const launcher = startMiniLauncher(dataDir, 300, SUBREAPER);
    await until(() => launcher.output().includes("ready"), 120_000, "the launcher is up");
    const owner = await readOwner(dataDir);
    const orphan = await postmasterPid(dataDir);
    expect(owner?.postmasterPid).toBe(orphan);
    process.kill(owner?.pid as number, "SIGKILL");
    // Taken in by the subreaper (alive, and not its owner) rather than init.
    await until(async () => (await parentOf(orphan)) === launcher.child.pid, 30_000, "the subreaper takes the orphan in");

    const notices: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir, exclusive: true, notice: (line) => notices.push(line) });
    servers.push(server);
    expect(server.owned).toBe(true);
    expect(notices).toContain(`embedded Postgres: stopping the server (pid ${orphan}) an earlier run left behind`);
    expect(isAlive(orphan)).toBe(false);
    await server.stop();
  }, 240_000);

  it("a process that attaches (npm run worker, the CLI) leaves the owner's Postgres running when it stops", async () => {
    const dataDir = await dataFolder();
    const owner = startMiniLauncher(dataDir, 300);
    await until(() => owner.output().includes("ready"), 120_000, "the owner is up");
    const attached = await startEmbeddedPostgres({ dataDir });
    expect(attached.owned).toBe(false);
    await attached.stop();
    expect(isAlive(await postmasterPid(dataDir))).toBe(true);
    await expect(startEmbeddedPostgres({ dataDir, exclusive: true })).rejects.toThrow(
      `is already in use by embedded-launcher.ts (pid ${owner.child.pid})`,
    );
    process.kill(-(owner.child.pid as number), "SIGTERM");
    await new Promise((resolve) => owner.child.once("exit", resolve));
  }, 240_000);
});

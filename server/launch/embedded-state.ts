// What an embedded cluster must remember between runs, and leftovers of runs
// that did not end cleanly.
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { readOwner, type DatabaseOwner } from "./embedded-owner";

/**
 * Kept in `<dataDir>/embedded-postgres.json` (mode 0600, ours, not the
 * `postgres` user's), written right after initdb. Inside the data folder so the
 * two cannot drift apart: deleting the folder (as test setups with mkdtemp do)
 * removes both, and a copied folder carries its password along.
 */
export type ClusterSettings = { user: string; password: string; port: number };

export function settingsPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), "embedded-postgres.json");
}

function isSettings(value: unknown): value is ClusterSettings {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.user === "string" && typeof v.password === "string" && Number.isInteger(v.port);
}

export async function readSettings(dataDir: string): Promise<ClusterSettings | null> {
  let text: string;
  try {
    text = await readFile(settingsPath(dataDir), "utf8");
  } catch {
    return null;
  }
  const parsed: unknown = JSON.parse(text);
  if (!isSettings(parsed)) throw new Error(`${settingsPath(dataDir)} is not a valid embedded Postgres settings file`);
  return parsed;
}

export async function writeSettings(dataDir: string, settings: ClusterSettings): Promise<void> {
  await writeFile(settingsPath(dataDir), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
}

export function newPassword(): string {
  // Hex so it never needs escaping in a connection URL.
  return randomBytes(18).toString("hex");
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not pick a free port"))));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function procFile(pid: number, file: string): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return null;
  }
}

/** The parent pid from /proc/PID/stat (field 4, after the parenthesised name). */
async function parentPid(pid: number): Promise<number | null> {
  const stat = await procFile(pid, "stat");
  const afterName = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(afterName?.[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

export type PreviousServer =
  | { kind: "none" }
  /** A live postmaster on this data folder whose owner still runs: someone else's server. */
  | { kind: "in-use"; pid: number; owner: DatabaseOwner | null }
  /** A postmaster shutting down, or whose owner has begun to stop: gone soon (by `by`, epoch ms, when known). */
  | { kind: "stopping"; pid: number; by: number | null }
  /** A live postmaster whose owner died (it was re-parented to init or a subreaper): ours to stop. */
  | { kind: "orphan"; pid: number };

/** Line 8 of postmaster.pid: "starting", "ready", "stopping" or "standby". */
const STATUS_LINE = 7;

/**
 * Looks at `postmaster.pid`. A file naming a dead process, or a pid since reused
 * by something that is not this cluster's postmaster, is removed: Postgres
 * would otherwise refuse to start ("lock file already exists") whenever the
 * old pid happens to be taken.
 *
 * The postmaster's owner is its parent when the owner file names that parent.
 * Without such a file (a server started by an older version), a parent that
 * is a node process counts as the owner, while init or anything else (a
 * subreaper such as tini or `systemd --user`, which takes in orphans) does not.
 */
export async function inspectPreviousServer(dataDir: string): Promise<PreviousServer> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const text = await readFile(pidFile, "utf8").catch(() => null);
  if (text === null) return { kind: "none" };
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  const cmdline = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? await procFile(pid, "cmdline") : null;
  const isOurPostmaster = cmdline !== null && cmdline.includes("postgres") && cmdline.includes(path.resolve(dataDir));
  if (!isOurPostmaster) {
    await rm(pidFile, { force: true });
    return { kind: "none" };
  }
  const owner = await readOwner(dataDir);
  if (lines[STATUS_LINE]?.trim() === "stopping") return { kind: "stopping", pid, by: owner?.stoppingBy ?? null };
  const ppid = await parentPid(pid);
  const parentAlive = ppid !== null && ppid > 1 && isAlive(ppid);
  const ownerIsParent = owner !== null && owner.pid === ppid && owner.postmasterPid === pid;
  const owned = ownerIsParent ? parentAlive : parentAlive && (await isNodeProcess(ppid));
  if (!owned) return { kind: "orphan", pid };
  if (ownerIsParent && owner.stoppingBy !== undefined) return { kind: "stopping", pid, by: owner.stoppingBy };
  return { kind: "in-use", pid, owner: ownerIsParent ? owner : null };
}

async function isNodeProcess(pid: number): Promise<boolean> {
  const program = (await procFile(pid, "cmdline"))?.split("\0")[0] ?? "";
  return path.basename(program).startsWith("node");
}

/** Waits until `pid` has exited; false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** Fast-shuts-down an orphaned postmaster (SIGINT), then immediately (SIGQUIT) if that hangs, and waits for it to go. */
export async function stopOrphan(pid: number, timeoutMs = 20_000): Promise<void> {
  process.kill(pid, "SIGINT");
  if (await waitForExit(pid, timeoutMs)) return;
  process.kill(pid, "SIGQUIT");
  if (await waitForExit(pid, 5_000)) return;
  throw new Error(`Postgres (pid ${pid}) did not shut down within ${timeoutMs / 1000 + 5} s`);
}

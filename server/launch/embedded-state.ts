// What an embedded cluster must remember between runs, and leftovers of runs
// that did not end cleanly.
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

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
  /** A live postmaster on this data folder whose parent process still runs: someone else's server. */
  | { kind: "in-use"; pid: number }
  /** A live postmaster whose parent died (it was re-parented to init): ours to stop. */
  | { kind: "orphan"; pid: number };

/**
 * Looks at `postmaster.pid`. A file naming a dead process, or a pid since reused
 * by something that is not this cluster's postmaster, is removed: Postgres
 * would otherwise refuse to start ("lock file already exists") whenever the
 * old pid happens to be taken.
 */
export async function inspectPreviousServer(dataDir: string): Promise<PreviousServer> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const text = await readFile(pidFile, "utf8").catch(() => null);
  if (text === null) return { kind: "none" };
  const pid = Number(text.split("\n")[0]);
  const cmdline = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? await procFile(pid, "cmdline") : null;
  const isOurPostmaster = cmdline !== null && cmdline.includes("postgres") && cmdline.includes(path.resolve(dataDir));
  if (!isOurPostmaster) {
    await rm(pidFile, { force: true });
    return { kind: "none" };
  }
  const ppid = await parentPid(pid);
  const orphaned = ppid === null || ppid <= 1 || !isAlive(ppid);
  return orphaned ? { kind: "orphan", pid } : { kind: "in-use", pid };
}

/** Fast-shuts-down an orphaned postmaster (SIGINT) and waits for it to go. */
export async function stopOrphan(pid: number, timeoutMs = 20_000): Promise<void> {
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`Postgres (pid ${pid}) did not shut down within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

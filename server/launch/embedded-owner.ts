// Who owns a data folder's running embedded Postgres: the process that
// started it (its parent), written to `<dataDir>/embedded-owner.json` next to
// the settings file. Another process then knows whether to attach to it, to
// wait for it (its owner is stopping), or to stop it (its owner is gone, even
// when the orphan was taken in by a subreaper rather than init).
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export type DatabaseOwner = {
  /** The owning process, the postmaster's parent. */
  pid: number;
  postmasterPid: number;
  /** What it is, for messages: "npm start", "npm run worker", … */
  command: string;
  /** The owner's own HTTP port, when it serves one. */
  appPort?: number;
  /** Set when the owner began to stop: by then it will have stopped Postgres (epoch ms). */
  stoppingBy?: number;
};

function ownerPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), "embedded-owner.json");
}

function isOwner(value: unknown): value is DatabaseOwner {
  const v = value as Partial<DatabaseOwner> | null;
  return (
    typeof v === "object" && v !== null && Number.isInteger(v.pid) && Number.isInteger(v.postmasterPid) && typeof v.command === "string"
  );
}

export async function readOwner(dataDir: string): Promise<DatabaseOwner | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(ownerPath(dataDir), "utf8"));
    return isOwner(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export async function writeOwner(dataDir: string, owner: DatabaseOwner): Promise<void> {
  await writeFile(ownerPath(dataDir), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
}

export async function forgetOwner(dataDir: string, pid: number): Promise<void> {
  const owner = await readOwner(dataDir);
  if (owner?.pid === pid) await rm(ownerPath(dataDir), { force: true });
}

/** What the launcher is, from its command line, for "owned by …" messages. */
export function describeThisProcess(): string {
  const script = process.argv[1] ?? "";
  if (script.endsWith(path.join("scripts", "start.ts"))) return "npm start";
  if (script.endsWith(path.join("scripts", "worker.ts"))) return "npm run worker";
  return path.basename(script) || "node";
}

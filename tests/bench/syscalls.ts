// Syscalls per cancel, app against floor: strace -c on each server process
// while a REST (or floor) cancel load runs at c=16. Not part of `npm run bench`:
//
//   npx tsx tests/bench/syscalls.ts      → a table per server, counts ÷ requests
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { startCommandArgs } from "../helpers/start-command";
import {
  appEnv,
  childEnv,
  insertConnection,
  insertJobs,
  jobPool,
  makeRunDir,
  NODE,
  ROOT,
  runBounded,
  runLoadgen,
  startRunDatabase,
  stopChild,
  tearDown,
  track,
  useProductHere,
  waitForHttp,
  writeIds,
} from "./harness";
import { freePort, sleep } from "./lib";
import type { EmbeddedPostgres } from "../../server/launch/embedded";
import type pg from "pg";

const log = (line: string) => console.log(`[syscalls] ${line}`);
const SECONDS = 5;

function strace(pid: number, seconds: number): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      "timeout",
      ["-s", "INT", String(seconds), "strace", "-c", "-f", "-p", String(pid)],
      { maxBuffer: 10 * 2 ** 20 },
      (_error, _stdout, stderr) => resolve(stderr),
    );
    void child;
  });
}

function perRequest(table: string, requests: number): string {
  return table
    .split("\n")
    .filter((line) => /^\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+/.test(line))
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      const calls = Number(cols[3]);
      const name = cols.at(-1);
      return { name, perRequest: calls / requests };
    })
    .filter((r) => r.perRequest >= 0.05)
    .sort((a, b) => b.perRequest - a.perRequest)
    .map((r) => `${r.name} ${r.perRequest.toFixed(2)}`)
    .join(", ");
}

async function main(): Promise<void> {
  const tmp = await makeRunDir("controlroom-syscalls-");
  let embedded: EmbeddedPostgres | undefined;
  let admin: pg.Client | undefined;
  let app: ChildProcess | undefined;
  let floor: ChildProcess | undefined;
  try {
    ({ embedded, admin } = await startRunDatabase(tmp));
    const connectionId = await insertConnection(admin);
    const pool = jobPool(admin, connectionId, await insertJobs(admin, connectionId, 1, 200_000, "syscalls"), 200_000);
    useProductHere(embedded.url);
    const { createApiKey } = await import("../../server/auth/admin");
    const { key } = await createApiKey({ name: "syscalls", role: "operator" });
    const [port, floorPort] = [await freePort(), await freePort()];
    // SYSCALLS_NODE_DEFAULTS=1: the app with V8's default heap flags instead of npm start's.
    const appArgs = process.env.SYSCALLS_NODE_DEFAULTS === "1" ? ["--import", "tsx", "scripts/start.ts"] : startCommandArgs();
    app = track(
      spawn(NODE, appArgs, {
        cwd: ROOT,
        env: appEnv(embedded.url, port, { OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://127.0.0.1:9/v1", METRICS_PORT: "off" }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "app",
    );
    floor = track(
      spawn(NODE, ["--import", "tsx", "tests/bench/floor-server.ts"], {
        cwd: ROOT,
        env: childEnv({ DATABASE_URL: embedded.url, PORT: String(floorPort) }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "floor",
    );
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, app, 120_000, (s) => s === 200);
    await waitForHttp(`http://127.0.0.1:${floorPort}/`, floor, 30_000, (s) => s === 404);
    for (const [name, target, kind, pid] of [
      ["REST cancel", port, "rest-cancel", app.pid],
      ["floor cancel", floorPort, "floor-cancel", floor.pid],
    ] as const) {
      const spec = {
        host: "127.0.0.1",
        port: target,
        kind,
        authorization: `Bearer ${key}`,
        concurrency: 16,
        expect: '"status":"cancelled"',
      } as const;
      await runLoadgen({ ...spec, idsFile: await writeIds(tmp, `${kind}-warm`, await pool.take(5_000)), warmupMs: 0, durationMs: 3_000 });
      const ids = await writeIds(tmp, kind, await pool.take(3_000 * (SECONDS + 2)));
      const load = runLoadgen({ ...spec, idsFile: ids, warmupMs: 0, durationMs: (SECONDS + 2) * 1000 });
      await sleep(1_000);
      const before = Date.now();
      const table = await strace(pid as number, SECONDS);
      const tracedMs = Date.now() - before;
      const result = await load;
      const requests = (result.rps * tracedMs) / 1000;
      log(`${name}: ${result.rps.toFixed(0)} req/s under strace; per request: ${perRequest(table, requests)}`);
    }
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await stopChild(app);
    await stopChild(floor);
    await tearDown({ admin, embedded, tmp });
  }
}

await runBounded("syscalls", 10, main);

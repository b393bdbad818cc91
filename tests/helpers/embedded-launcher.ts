// A launcher in miniature (tests/integration/ctrl-c.test.ts,
// tests/integration/embedded-owner.test.ts): an embedded Postgres in the
// folder given as the first argument, the launchers' own signal handling, and
// a shutdown that still needs the database, as a draining app or worker does.
// Prints "ready" once up; after a signal it says it is stopping (as the
// launchers do), drains for the milliseconds given as the second argument
// (default 300), prints what the database answered, then stops Postgres last
// and exits 0.
import pg from "pg";
import { startEmbeddedPostgres } from "../../server/launch/embedded";
import { takeOverShutdownSignals } from "../../server/launch/signals";

const dataDir = process.argv[2];
const drainMs = Number(process.argv[3] ?? 300);
if (!dataDir) throw new Error("usage: embedded-launcher.ts <data dir> [drain ms]");
const server = await startEmbeddedPostgres({ dataDir });
const client = new pg.Client({ connectionString: server.url });
await client.connect();

takeOverShutdownSignals((signal) => {
  void (async () => {
    await server.announceStopping(Date.now() + drainMs + 5_000);
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
    console.log(`after ${signal} the database answered ${rows[0]?.one}`);
    await client.end();
    await server.stop();
    process.exit(0);
  })().catch((error: unknown) => {
    console.log(`after ${signal} the database was gone: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
});
console.log("ready");

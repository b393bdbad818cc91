// A launcher whose shutdown cannot finish (tests/integration/shutdown-deadline.test.ts):
// an embedded Postgres in the folder given as the first argument, and a
// shutdown stage that never ends ("hang") or blocks the event loop ("block"),
// with a SHUTDOWN_TIMEOUT_MS of one second. Prints "ready" once up.
import { startEmbeddedPostgres } from "../../server/launch/embedded";
import { takeOverShutdownSignals } from "../../server/launch/signals";
import { CUT_FAST_MS, EXIT, planShutdown } from "../../server/launch/shutdown";

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir || (mode !== "hang" && mode !== "block")) throw new Error("usage: hanging-launcher.ts <data dir> hang|block");
const server = await startEmbeddedPostgres({ dataDir });
const hang = () => new Promise<void>(() => {});
const block = () => {
  while (Date.now() > 0) {
    // Busy: no timer of this thread ever runs again.
  }
  return Promise.resolve();
};
const shutdown = planShutdown({
  timeoutMs: 1_000,
  stages: () => [
    { name: `a stage that ${mode}s`, run: mode === "hang" ? hang : block },
    { name: "embedded Postgres", run: () => server.stop(CUT_FAST_MS) },
  ],
  onDeadline: () => server.stop(CUT_FAST_MS),
});
takeOverShutdownSignals(() => void shutdown.stop(EXIT.stopped));
console.log("ready");

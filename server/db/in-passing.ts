import type { Db } from "./client";

/**
 * A clean-up that busy paths run in passing: in the background, at most once
 * every `everyMs` per process. A failure is logged and tried again next time.
 */
export function inPassing(what: string, everyMs: number, task: (db: Db) => Promise<unknown>): (db: Db) => void {
  let last = 0;
  return (db) => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    task(db).catch((error: unknown) => console.error(`${what} failed`, error));
  };
}

// The last resort of a stopping launcher (./shutdown.ts), on a thread of its
// own so that it acts even when the main thread's event loop is blocked and
// the shutdown's deadline timer can no longer fire. Started idle with the
// launcher; armed when the shutdown starts ({ afterMs }), it then gives the
// launcher's embedded Postgres an immediate shutdown (SIGQUIT) and kills the
// launcher (SIGKILL; a shell shows exit status 137). A later message (the
// main thread reached its deadline and is cutting the shutdown short, within
// { cuttingMs }) moves that to the cut's own bound.
import { readdirSync, readFileSync } from "node:fs";
import { clearTimeout, setTimeout } from "node:timers";
import { parentPort } from "node:worker_threads";

function postgresChildren() {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && name === "postgres") found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function fire() {
  try {
    for (const pid of postgresChildren()) process.kill(pid, "SIGQUIT");
  } catch {
    // No /proc, or already gone: the next start stops an orphan.
  }
  process.kill(process.pid, "SIGKILL");
}

let timer;
parentPort?.on("message", (message) => {
  clearTimeout(timer);
  timer = setTimeout(fire, message.afterMs ?? message.cuttingMs);
});

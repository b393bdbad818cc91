// Processes a launcher did not start itself but leaves behind when it exits:
// in development Next's bundler runs helpers as child processes (Turbopack's
// node pool for PostCSS), which outlived the launcher after its stop. At exit
// the launcher ends every child still running; the embedded Postgres, which
// has a shutdown of its own (./postmaster.ts), is left to that.
import { readdirSync, readFileSync } from "node:fs";

/** Sends `signal` to this process's children other than Postgres; synchronous, so an 'exit' handler can call it. */
export function endChildProcesses(signal: NodeJS.Signals = "SIGTERM"): void {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return; // No /proc (not Linux): nothing to look at.
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && name !== "postgres") process.kill(Number(entry), signal);
    } catch {
      // Gone meanwhile, or not ours to signal.
    }
  }
}

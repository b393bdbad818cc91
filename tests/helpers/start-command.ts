import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The arguments `npm start` gives node (its V8 heap flags, the tsx loader,
 * scripts/start.ts), read from package.json, so that what the tests and the
 * benchmark start is what `npm start` runs.
 */
export function startCommandArgs(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [program, ...args] = (pkg.scripts.start ?? "").split(/\s+/).filter(Boolean);
  if (program !== "node" || args.at(-1) !== "scripts/start.ts")
    throw new Error(`package.json's start script is not "node … scripts/start.ts": ${pkg.scripts.start}`);
  return args;
}

/** The V8 flags alone (before --import). */
export function startCommandNodeFlags(): string[] {
  const args = startCommandArgs();
  return args.slice(0, args.indexOf("--import"));
}

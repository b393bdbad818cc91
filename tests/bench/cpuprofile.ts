// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by
// package, so "where does a request's CPU go" has an answer with numbers.
//
//   npx tsx tests/bench/cpuprofile.ts <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
};
export type Profile = { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

export type ProfileSummary = {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byFunction: Array<{ name: string; where: string; selfMs: number; pctOfBusy: number }>;
  byPackage: Array<{ name: string; selfMs: number; pctOfBusy: number }>;
};

/** Which package (or part of the runtime) a script URL belongs to. */
export function packageOf(url: string): string {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    const pkg = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
    // Next ships its compiled dependencies inside next/dist/compiled.
    if (pkg === "next") {
      const compiled = /\/next\/dist\/compiled\/([^/]+)/.exec(url);
      return compiled ? `next (compiled ${compiled[1]})` : "next";
    }
    return pkg;
  }
  const dotNext = url.indexOf("/.next/");
  if (dotNext >= 0) return ".next (app bundle)";
  const m = /\/(server|app|scripts|tests)\//.exec(url);
  return m ? `product ${m[1]}/` : url;
}

export function summariseProfile(source: string | Profile, top = 25): ProfileSummary {
  const profile = typeof source === "string" ? (JSON.parse(readFileSync(source, "utf8")) as Profile) : source;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const pkg = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    const short = url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "~/");
    const where = url ? `${short}:${lineNumber + 1}` : "";
    const key = `${functionName}@${where}`;
    const entry = fn.get(key) ?? { name: functionName || "(anonymous)", where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const p = ["(garbage collector)", "(program)"].includes(functionName) ? functionName : packageOf(url);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    byFunction: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, pctOfBusy: (100 * e.us) / busy })),
    byPackage: [...pkg.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, selfMs: us / 1000, pctOfBusy: (100 * us) / busy })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: tsx tests/bench/cpuprofile.ts <file.cpuprofile> [top]");
  const summary = summariseProfile(file, Number(process.argv[3] ?? 25));
  console.log(
    `total ${summary.totalMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms\n\nself time by package:`,
  );
  for (const p of summary.byPackage.slice(0, 20))
    console.log(`  ${p.pctOfBusy.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${p.name}`);
  console.log("\nself time by function:");
  for (const f of summary.byFunction)
    console.log(`  ${f.pctOfBusy.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
}

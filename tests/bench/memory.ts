// Where the app's memory goes, and what V8's heap settings do to it under the
// cancel load. Not part of `npm run bench`; run it when the memory target is missed:
//
//   npx tsx tests/bench/memory.ts
//   MEMORY_FLAGS='["npm-start", "", "--heap-growing-percent=20 MALLOC_ARENA_MAX=2"]' npx tsx tests/bench/memory.ts
//
// Each entry: "npm-start" (the node flags of package.json's start script), or
// node flags and NAME=value environment settings; "" is node's defaults.
//
// For each set of Node flags, it starts the app as the benchmark does
// (production build, WORKER=off, both providers' sandboxes outside the app) with an
// inspector, reads process.memoryUsage() idle (before and after a full GC),
// runs cancels at c=16 (tRPC, or REST with MEMORY_KIND=rest-cancel) for MEMORY_SECONDS (20) while sampling RSS, and
// reads memory again. A heap snapshot's summary (self size by constructor)
// of the idle app is written to bench-results/heap-idle.json (MEMORY_SNAPSHOT=0: not taken).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { EmbeddedPostgres } from "../../server/launch/embedded";
import {
  appEnv,
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
import { startCommandNodeFlags } from "../helpers/start-command";
import { inspector } from "./inspector";
import { freePort, sampleRss, sleep } from "./lib";
import type { LoadSpec } from "./loadgen";

const log = (line: string) => console.log(`[memory] ${line}`);
const SECONDS = Number(process.env.MEMORY_SECONDS ?? 20);
// The load: tRPC cancels (default) or REST cancels (MEMORY_KIND=rest-cancel).
const KIND: LoadSpec["kind"] = process.env.MEMORY_KIND === "rest-cancel" ? "rest-cancel" : "trpc-cancel";
const FLAG_SETS = JSON.parse(process.env.MEMORY_FLAGS ?? '["npm-start", ""]') as string[];
const MB = 2 ** 20;

/**
 * Resident memory by kind of mapping (/proc/<pid>/smaps), MB: glibc's main heap,
 * 64 MB anonymous regions (glibc's per-thread arenas), other anonymous memory
 * (V8's heap pages, stacks, mmapped allocations) and files (code, libraries).
 */
function residentByKind(pid: number): Record<string, number> {
  const kinds: Record<string, number> = { mallocMainHeap: 0, mallocArenas: 0, otherAnonymous: 0, files: 0 };
  let kind = "otherAnonymous";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const size = (parseInt(header[2]!, 16) - parseInt(header[1]!, 16)) / 1024;
      const name = header[3] ?? "";
      kind =
        name === "[heap]"
          ? "mallocMainHeap"
          : name.startsWith("/")
            ? "files"
            : size === 65_536 || size === 131_072
              ? "mallocArenas"
              : "otherAnonymous";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, Math.round(v)]));
}

type Snapshot = { snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }; nodes: number[]; strings: string[] };

/** Self size by node type and constructor name, from a heap snapshot (no retained sizes: enough to see what kind of thing the heap holds). */
function summariseSnapshot(json: string) {
  const s = JSON.parse(json) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = s.snapshot.meta.node_types[0];
  const byKind = new Map<string, { bytes: number; count: number }>();
  const bigStrings: Array<{ bytes: number; starts: string }> = [];
  // Source maps Node keeps for stack traces: raw map JSON, and VLQ "mappings" strings.
  let sourceMapBytes = 0;
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt] ?? 0] ?? "?";
    const size = s.nodes[i + sizeAt] ?? 0;
    total += size;
    const name =
      type === "object" || type === "closure" || type === "native" ? `${type}:${s.strings[s.nodes[i + nameAt] ?? 0]?.slice(0, 60)}` : type;
    if ((type === "string" || type === "concatenated string" || type === "sliced string") && size > 1024) {
      const text = s.strings[s.nodes[i + nameAt] ?? 0] ?? "";
      if (text.startsWith('{"version":3') || /^[A-Za-z0-9+/,;]{200}/.test(text)) sourceMapBytes += size;
    }
    if (type === "string" && size > 256 * 1024)
      bigStrings.push({ bytes: size, starts: (s.strings[s.nodes[i + nameAt] ?? 0] ?? "").slice(0, 120) });
    const entry = byKind.get(name) ?? { bytes: 0, count: 0 };
    entry.bytes += size;
    entry.count++;
    byKind.set(name, entry);
  }
  const top = [...byKind.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 40)
    .map(([name, v]) => ({ name, mb: Number((v.bytes / MB).toFixed(1)), count: v.count }));
  const largestStrings = bigStrings
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 30)
    .map((b) => ({ mb: Number((b.bytes / MB).toFixed(2)), starts: b.starts }));
  return { totalMb: Number((total / MB).toFixed(1)), sourceMapMb: Number((sourceMapBytes / MB).toFixed(1)), top, largestStrings };
}

async function main(): Promise<void> {
  const tmp = await makeRunDir("controlroom-memory-");
  let embedded: EmbeddedPostgres | undefined;
  let admin: pg.Client | undefined;
  let app: ChildProcess | undefined;
  let sandbox: Awaited<ReturnType<typeof import("../../server/provider/sandbox/index").startSandbox>> | undefined;
  let together: typeof sandbox;
  const results: unknown[] = [];
  try {
    if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")))
      throw new Error("no production build (.next/BUILD_ID): run `npm run build` first");
    ({ embedded, admin } = await startRunDatabase(tmp));
    const connectionId = await insertConnection(admin);
    const jobs = 100_000 * FLAG_SETS.length;
    const pool = jobPool(admin, connectionId, await insertJobs(admin, connectionId, 1, jobs, "memory"), jobs);
    useProductHere(embedded.url);
    const { createApiKey } = await import("../../server/auth/admin");
    const { key } = await createApiKey({ name: "memory", role: "operator" });
    const { startSandbox } = await import("../../server/provider/sandbox/index");
    sandbox = await startSandbox({ port: await freePort() });
    together = await startSandbox({ port: await freePort(), flavor: "together" });

    for (const [index, set] of FLAG_SETS.entries()) {
      // "--v8-flag" tokens go to node, "NAME=value" tokens into the app's environment (MALLOC_ARENA_MAX=2, say).
      const tokens = set.split(" ").filter(Boolean);
      const flags = tokens.includes("npm-start") ? startCommandNodeFlags() : tokens.filter((t) => t.startsWith("--"));
      const extraEnv = Object.fromEntries(
        tokens.filter((t) => t.includes("=") && !t.startsWith("--")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]),
      );
      const [port, inspectPort] = [await freePort(), await freePort()];
      const baseUrl = `http://127.0.0.1:${port}`;
      const env = appEnv(embedded.url, port, {
        OPENAI_API_KEY: sandbox.apiKey,
        OPENAI_BASE_URL: sandbox.url,
        TOGETHER_API_KEY: together.apiKey,
        TOGETHER_BASE_URL: together.url,
        ...extraEnv,
      });
      app = track(
        spawn(NODE, [...flags, `--inspect=127.0.0.1:${inspectPort}`, "--import", "tsx", "scripts/start.ts"], {
          cwd: ROOT,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        }),
        "app",
      );
      await waitForHttp(`${baseUrl}/sign-in`, app, 120_000, (status) => status === 200);
      await sleep(2_000);
      const v8 = await inspector(inspectPort);
      await v8.send("HeapProfiler.enable");
      const usage = async () => {
        const r = await v8.send<{ result: { value: string } }>("Runtime.evaluate", {
          expression: "JSON.stringify(process.memoryUsage())",
          returnByValue: true,
        });
        return Object.fromEntries(
          Object.entries(JSON.parse(r.result.value) as Record<string, number>).map(([k, v]) => [k, Math.round(v / MB)]),
        );
      };
      const idle = await usage();
      await v8.send("HeapProfiler.collectGarbage");
      const idleAfterGc = await usage();
      if (index === 0 && process.env.MEMORY_SNAPSHOT !== "0") {
        const chunks: string[] = [];
        v8.onEvent("HeapProfiler.addHeapSnapshotChunk", (params) => chunks.push((params as { chunk: string }).chunk));
        await v8.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
        const summary = summariseSnapshot(chunks.join(""));
        await mkdir(path.join(ROOT, "bench-results"), { recursive: true });
        writeFileSync(path.join(ROOT, "bench-results", "heap-idle.json"), `${JSON.stringify(summary, null, 2)}\n`);
        log(
          `idle heap snapshot: ${summary.totalMb} MB, of which source maps ${summary.sourceMapMb} MB; largest: ${summary.top
            .slice(0, 12)
            .map((t) => `${t.name} ${t.mb}`)
            .join(", ")}`,
        );
      }
      const spec = { host: "127.0.0.1", port, kind: KIND, authorization: `Bearer ${key}`, concurrency: 16, expect: '"status":"cancelled"' };
      await runLoadgen({ ...spec, idsFile: await writeIds(tmp, `warm-${index}`, await pool.take(3_000)), warmupMs: 0, durationMs: 3_000 });
      const rss = sampleRss(app.pid as number, 100);
      const load = await runLoadgen({
        ...spec,
        idsFile: await writeIds(tmp, `load-${index}`, await pool.take(1_500 * SECONDS)),
        warmupMs: 0,
        durationMs: SECONDS * 1000,
      });
      const peak = rss.stop();
      const resident = residentByKind(app.pid as number);
      const afterLoad = await usage();
      await v8.send("HeapProfiler.collectGarbage");
      const afterLoadGc = await usage();
      v8.close();
      const result = {
        flags: set || "(none)",
        resident,
        rps: Math.round(load.rps),
        p50Ms: Number(load.latency.p50.toFixed(2)),
        errors: load.errors,
        peakRssMb: Math.round(peak.peakRssMb),
        hwmMb: Math.round(peak.hwmMb),
        idle,
        idleAfterGc,
        afterLoad,
        afterLoadGc,
      };
      results.push(result);
      log(JSON.stringify(result));
      await stopChild(app);
      app = undefined;
    }
    await mkdir(path.join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(path.join(ROOT, "bench-results", "memory.json"), `${JSON.stringify(results, null, 2)}\n`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await stopChild(app);
    await sandbox?.close();
    await together?.close();
    await tearDown({ admin, embedded, tmp });
  }
}

await runBounded("memory", 20, main);

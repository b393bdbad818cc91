// Where the time goes: CPU profiles of the app process under load, and of the
// browser around one optimistic cancel. Not part of `npm run bench`; run it
// when a target is missed:
//
//   npx tsx tests/bench/profile.ts            → bench-results/profile-*.cpuprofile + profile-summary.json
//
// The app is started as the benchmark starts it (production build, WORKER=off,
// fresh embedded Postgres) plus `--inspect=127.0.0.1:<port>`; the V8 profiler
// is switched on over the inspector protocol only while the load runs, so
// start-up and warm-up are not in the profile.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { chromium } from "playwright";
import type { EmbeddedPostgres } from "../../server/launch/embedded";
import { startCommandArgs } from "../helpers/start-command";
import { inspector } from "./inspector";
import { CHART_PROBE, seedMetricsJob } from "./training-curves";
import { CHROMIUM_ARGS, signIn, waitInPage } from "./ui";
import { packageOf, summariseProfile, type Profile, type ProfileSummary } from "./cpuprofile";
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
import { freePort, sleep, waitForQuiet } from "./lib";
import type { LoadSpec } from "./loadgen";

const log = (line: string) => console.log(`[profile] ${line}`);
const OUT = path.join(ROOT, "bench-results");
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8);
const ONLY = new Set((process.env.PROFILE_ONLY ?? "trpc,rest,list,ui,chart").split(","));

type HeapNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapNode[] };

/** Bytes allocated (sampled) by package and by function, per request. */
function summariseAllocations(head: HeapNode, requests: number) {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    if (node.selfSize) {
      total += node.selfSize;
      const pkg = packageOf(node.callFrame.url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
      const fn = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*node_modules\//, "~/").replace(/^file:\/\/\/work\/main\//, "")}:${node.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child);
  };
  walk(head);
  const per = (bytes: number) => bytes / 1024 / Math.max(1, requests);
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => ({ name, kbPerRequest: per(bytes) }));
  return { kbPerRequest: per(total), byPackage: top(byPackage, 15), byFunction: top(byFunction, 20) };
}

function printSummary(title: string, s: ProfileSummary): void {
  log(`${title}: busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms profiled`);
  for (const p of s.byPackage.slice(0, 12)) log(`   ${p.pctOfBusy.toFixed(1).padStart(5)}%  ${p.name}`);
  log("   top functions (self):");
  for (const f of s.byFunction.slice(0, 15)) log(`   ${f.pctOfBusy.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
}

async function main(): Promise<void> {
  const tmp = await makeRunDir("controlroom-profile-");
  await mkdir(OUT, { recursive: true });
  let embedded: EmbeddedPostgres | undefined;
  let app: ChildProcess | undefined;
  let admin: pg.Client | undefined;
  const summaries: Record<string, ProfileSummary | { error: string }> = {};
  const memories: Record<string, unknown> = {};
  const allocations: Record<string, ReturnType<typeof summariseAllocations>> = {};
  try {
    if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")))
      throw new Error("no production build (.next/BUILD_ID): run `npm run build` or `npx tsx tests/bench/run.ts` first");
    ({ embedded, admin } = await startRunDatabase(tmp));
    const connectionId = await insertConnection(admin);
    const baseIds = await insertJobs(admin, connectionId, 1, 100_000, "bench");
    await admin.query("VACUUM (ANALYZE) finetuning_jobs");
    const pool = jobPool(admin, connectionId, [...baseIds], 100_000);

    useProductHere(embedded.url);
    const { createApiKey, createUser } = await import("../../server/auth/admin");
    const { key } = await createApiKey({ name: "profile", role: "operator" });
    await createUser({ email: "operator@profile.test", password: "profile-password-1", role: "operator" });
    const authorization = `Bearer ${key}`;

    const [port, sandboxPort, inspectPort] = [await freePort(), await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    app = track(
      spawn(NODE, [`--inspect=127.0.0.1:${inspectPort}`, ...startCommandArgs()], {
        cwd: ROOT,
        env: appEnv(embedded.url, port, { SANDBOX_PORT: String(sandboxPort) }),
        stdio: ["ignore", "pipe", "pipe"],
      }),
      "app",
    );
    await waitForHttp(`${baseUrl}/sign-in`, app, 120_000, (s) => s === 200);
    const v8 = await inspector(inspectPort);
    await v8.send("Profiler.enable");
    await v8.send("Profiler.setSamplingInterval", { interval: 200 });

    await v8.send("Runtime.enable");
    // The app's memory as V8 and Node see it (MB), and again after a full GC: growth that a GC gives back is not a leak.
    const memory = async (label: string) => {
      const read = async () => {
        const r = await v8.send<{ result: { value: string } }>("Runtime.evaluate", {
          expression: "JSON.stringify(process.memoryUsage())",
          returnByValue: true,
        });
        const m = JSON.parse(r.result.value) as Record<string, number>;
        return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 2 ** 20)]));
      };
      const before = await read();
      await v8.send("HeapProfiler.enable");
      await v8.send("HeapProfiler.collectGarbage");
      const afterGc = await read();
      memories[label] = { before, afterGc };
      log(`memory ${label}: ${JSON.stringify(before)}; after a full GC ${JSON.stringify(afterGc)}`);
    };
    await memory("idle");
    const profileLoad = async (name: string, spec: Omit<LoadSpec, "warmupMs" | "durationMs" | "idsFile">, idsPerSecond: number) => {
      // Warm-up without the profiler, then the profiled window.
      const warm = await writeIds(tmp, `${name}-warm`, await pool.take(idsPerSecond * 3));
      await runLoadgen({ ...spec, idsFile: spec.kind === "get" ? undefined : warm, warmupMs: 0, durationMs: 3_000 });
      const ids = await writeIds(tmp, name, await pool.take(idsPerSecond * (SECONDS + 1)));
      const quiet = await waitForQuiet(0.3, 120_000);
      if (quiet.busyCpus >= 0.3)
        log(`${name}: the machine is still busy (${quiet.busyCpus.toFixed(2)} CPUs from other work); profiling anyway`);
      await v8.send("Profiler.start");
      const result = await runLoadgen({ ...spec, idsFile: spec.kind === "get" ? undefined : ids, warmupMs: 0, durationMs: SECONDS * 1000 });
      const { profile } = await v8.send<{ profile: Profile }>("Profiler.stop");
      // Then, in a window of its own (its overhead would distort the CPU profile), every allocation sampled
      // (every 32 KiB on average), including objects already collected: the allocation rate by function.
      const heapIds = await writeIds(tmp, `${name}-heap`, await pool.take(idsPerSecond * 5));
      await v8.send("HeapProfiler.enable");
      await v8.send("HeapProfiler.startSampling", {
        samplingInterval: 32_768,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      const heapRun = await runLoadgen({ ...spec, idsFile: spec.kind === "get" ? undefined : heapIds, warmupMs: 0, durationMs: 4_000 });
      const heap = await v8.send<{ profile: { head: HeapNode } }>("HeapProfiler.stopSampling");
      const responses = Object.values(heapRun.statuses).reduce((a, b) => a + b, 0);
      allocations[name] = summariseAllocations(heap.profile.head, responses);
      log(
        `${name}: ~${allocations[name].kbPerRequest.toFixed(0)} KiB allocated per request; by package: ${allocations[name].byPackage
          .slice(0, 8)
          .map((p) => `${p.name} ${p.kbPerRequest.toFixed(1)}`)
          .join(", ")}`,
      );
      writeFileSync(path.join(OUT, `profile-${name}.cpuprofile`), JSON.stringify(profile));
      const summary = summariseProfile(profile, 30);
      summaries[name] = summary;
      log(
        `${name}: ${result.rps.toFixed(0)} req/s (profiler on), p50 ${result.latency.p50.toFixed(2)} ms; app CPU ${(summary.busyMs / Math.max(1, result.completed)).toFixed(3)} ms/request (busy samples ÷ requests)`,
      );
      printSummary(name, summary);
      await memory(`after ${name}`);
    };
    const cancel = (kind: LoadSpec["kind"]) => ({
      host: "127.0.0.1",
      port,
      kind,
      authorization,
      concurrency: 16,
      expect: '"status":"cancelled"',
    });
    if (ONLY.has("trpc")) await profileLoad("trpc-cancel-c16", cancel("trpc-cancel"), 3_000);
    if (ONLY.has("rest")) await profileLoad("rest-cancel-c16", cancel("rest-cancel"), 3_000);
    if (ONLY.has("list")) {
      const listPath = `/api/trpc/finetuning.list?input=${encodeURIComponent(JSON.stringify({ limit: 20 }))}`;
      await profileLoad(
        "list-first-page-c1",
        { host: "127.0.0.1", port, kind: "get", path: listPath, authorization, concurrency: 1, expect: '"items"' },
        1,
      );
    }
    v8.close();

    // The browser: one optimistic cancel, profiled from the click to the badge.
    if (ONLY.has("ui") && existsSync("/usr/bin/chromium")) {
      await insertJobs(admin, connectionId, 1, 10, "ui-profile", "now() + make_interval(secs => g)");
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${baseUrl}/sign-in`);
        // A click before React has hydrated would submit the form natively (a GET with the password in the URL).
        await page.waitForLoadState("networkidle");
        await page.getByLabel("Email").fill("operator@profile.test");
        await page.getByLabel("Password").fill("profile-password-1");
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL(/\/jobs/);
        await page.getByRole("button", { name: "Cancel", exact: true }).first().waitFor();
        await sleep(2_000);
        await waitForQuiet(0.3, 120_000);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
        const runs: Array<{ badgeMs: number; responseMs: number }> = [];
        const profiles: Profile[] = [];
        for (let i = 0; i < 5; i++) {
          const row = page
            .locator("tbody tr")
            .filter({ has: page.getByRole("button", { name: "Cancel", exact: true }) })
            .first();
          const href = await row.locator("a[href^='/jobs/']").first().getAttribute("href");
          await row.getByRole("button", { name: "Cancel", exact: true }).click();
          const confirm = page.getByRole("alertdialog").getByRole("button", { name: "Cancel job" });
          await confirm.waitFor();
          await page.evaluate(`(() => {
            const probe = { clickAt: 0, changedAt: 0, responseAt: 0, done: false };
            window.__p = probe;
            window.addEventListener("click", () => { probe.clickAt ||= performance.now(); }, { capture: true, once: true });
            const text = () => document.querySelector('a[href="${href}"]')?.closest("tr")?.querySelector('[role="status"]')?.textContent?.trim();
            const mo = new MutationObserver(() => { if (!probe.done && probe.clickAt && text() === "Cancelled") { probe.changedAt = performance.now(); probe.done = true; mo.disconnect(); } });
            mo.observe(document.body, { subtree: true, childList: true, characterData: true });
            new PerformanceObserver((l, o) => { for (const e of l.getEntries()) if (e.name.includes("finetuning.cancel") && !probe.responseAt) { probe.responseAt = e.responseEnd; o.disconnect(); } }).observe({ type: "resource" });
          })()`);
          await cdp.send("Profiler.start");
          await confirm.click();
          await page.waitForFunction("window.__p.done === true", null, { timeout: 10_000 });
          const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: Profile };
          profiles.push(profile);
          await page.waitForTimeout(600);
          const p = await page.evaluate<{ clickAt: number; changedAt: number; responseAt: number }>("window.__p");
          runs.push({ badgeMs: p.changedAt - p.clickAt, responseMs: p.responseAt - p.clickAt });
        }
        profiles.forEach((p, i) => writeFileSync(path.join(OUT, `profile-ui-cancel-${i + 1}.cpuprofile`), JSON.stringify(p)));
        const last = profiles.at(-1);
        if (last) {
          const summary = summariseProfile(last, 30);
          summaries["ui-cancel"] = summary;
          log(
            `ui: ${JSON.stringify(runs.map((r) => ({ badge: Number(r.badgeMs.toFixed(1)), response: Number(r.responseMs.toFixed(1)) })))}`,
          );
          printSummary("ui-cancel (browser main thread, click → badge, last run)", summary);
        }
      } finally {
        await browser.close();
      }
    }
    // The browser: the detail page of a job with 10,000 steps, profiled from navigation to the loss chart drawn.
    if (ONLY.has("chart") && existsSync("/usr/bin/chromium")) {
      const id = await seedMetricsJob({ admin, connectionId });
      const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await signIn(page, { baseUrl, email: "operator@profile.test", password: "profile-password-1" });
        await page.addInitScript({ content: CHART_PROBE });
        await page.goto(`${baseUrl}/jobs/${id}`); // warms the server's page and Chromium's caches
        await waitInPage(page, "window.__chartProbe?.done === true", 30_000);
        await waitForQuiet(0.3, 120_000);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
        await cdp.send("Profiler.start");
        await page.goto(`${baseUrl}/jobs/${id}`);
        await waitInPage(page, "window.__chartProbe?.done === true", 30_000);
        const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: Profile };
        const drawnAt = await page.evaluate<number>("window.__chartProbe.drawnAt");
        writeFileSync(path.join(OUT, "profile-detail-chart.cpuprofile"), JSON.stringify(profile));
        const summary = summariseProfile(profile, 30);
        summaries["detail-chart"] = summary;
        log(`detail page: loss chart drawn ${drawnAt.toFixed(0)} ms after navigation (profiler on)`);
        printSummary("detail-chart (browser main thread, navigation → chart drawn)", summary);
      } finally {
        await browser.close();
      }
    }
    writeFileSync(
      path.join(OUT, "profile-summary.json"),
      `${JSON.stringify({ profiles: summaries, memoryMb: memories, allocations }, null, 2)}\n`,
    );
    log("wrote bench-results/profile-summary.json and the .cpuprofile files (open them in Chrome DevTools)");
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await stopChild(app);
    await tearDown({ admin, embedded, tmp });
  }
}

await runBounded("profile", 10, main);

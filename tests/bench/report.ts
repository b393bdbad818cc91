// The verdicts: each product figure against the floor measured in the same
// run and against its target, and the table printed at the end.
import type { CaseResult } from "./cases";
import type { CancelCases } from "./cancel-load";
import { DEEP_PAGE, JOBS } from "./context";
import { round, type Stats } from "./lib";
import type { SweepBenchResult } from "./sweeps";
import type { MetricsResult } from "./training-curves";
import type { UiResult } from "./ui";

export type Target = { name: string; target: string; measured: number | null; unit: string; pass: boolean | null; gap: string };

/**
 * A sweep's early-stopping decision, per new metric step at 32 runs: the worse
 * of the two cases (every run reports a step between passes, or one run does,
 * where the whole pass is that one step's cost), against SWEEP_TARGET_MS_PER_STEP.
 */
export function sweepsTarget(sweeps: SweepBenchResult): Target {
  const goal = sweeps.targetMsPerStep;
  const measured = Math.max(sweeps.perStepAllRuns.p50, sweeps.perStepOneRun.p50);
  const name = `sweep decision per new metric step, ${sweeps.runs} runs, p50 (worse of all runs / one run reporting)`;
  if (!Number.isFinite(measured)) return { name, target: `≤ ${goal} ms`, measured: null, unit: "ms", pass: null, gap: "not measured" };
  const gap = `${measured - goal >= 0 ? "+" : ""}${(measured - goal).toFixed(2)} ms (${(measured / goal).toFixed(2)}× the target)`;
  return { name, target: `≤ ${goal} ms`, measured: round(measured, 3), unit: "ms", pass: measured <= goal, gap };
}

export function verdicts({
  cases,
  listServer,
  ui,
  loadMemory,
  metrics,
  sweeps,
}: {
  cases: CancelCases;
  listServer: { first: Stats; deep: Stats };
  ui: UiResult;
  loadMemory: { peakRssMb: number };
  metrics: MetricsResult;
  sweeps: SweepBenchResult;
}) {
  const c = (k: string): CaseResult | null => {
    const r = cases[k];
    return r && "rps" in r ? r : null;
  };
  const floorC16 = [c("floor_c16"), c("floor_c16_after")].filter((x): x is CaseResult => x !== null);
  const floorRps = floorC16.length ? floorC16.reduce((s, x) => s + x.rps, 0) / floorC16.length : null;
  const floorP50c16 = floorC16.length ? floorC16.reduce((s, x) => s + x.latency.p50, 0) / floorC16.length : null;
  const ratio = (a: number | undefined | null, b: number | undefined | null) => (a != null && b ? a / b : null);
  const ratios = {
    trpc_c16_rps_vs_floor: ratio(c("trpc_c16")?.rps, floorRps),
    trpc_c1_rps_vs_floor: ratio(c("trpc_c1")?.rps, c("floor_c1")?.rps),
    trpc_c1_p50_vs_floor: ratio(c("trpc_c1")?.latency.p50, c("floor_c1")?.latency.p50),
    trpc_c16_p50_vs_floor: ratio(c("trpc_c16")?.latency.p50, floorP50c16),
    rest_c16_rps_vs_floor: ratio(c("rest_c16")?.rps, floorRps),
    // Against the floor without the table's NOTIFY trigger: docs/BENCHMARKS.md's floor (the bare operation).
    trpc_c16_rps_vs_trigger_free_floor: ratio(c("trpc_c16")?.rps, c("floor_nt_c16")?.rps),
    rest_c16_rps_vs_trigger_free_floor: ratio(c("rest_c16")?.rps, c("floor_nt_c16")?.rps),
    rest_c1_rps_vs_floor: ratio(c("rest_c1")?.rps, c("floor_c1")?.rps),
    rest_c1_p50_vs_floor: ratio(c("rest_c1")?.latency.p50, c("floor_c1")?.latency.p50),
    rest_c16_p50_vs_floor: ratio(c("rest_c16")?.latency.p50, floorP50c16),
  };
  const peakRss = Math.max(loadMemory.peakRssMb, c("trpc_c1")?.peakRssMb ?? 0, c("trpc_c16")?.peakRssMb ?? 0);
  const target = (
    name: string,
    goal: string,
    measured: number | null | undefined,
    unit: string,
    ok: (v: number) => boolean,
    gap: (v: number) => string,
  ): Target => {
    if (measured == null || !Number.isFinite(measured))
      return { name, target: goal, measured: null, unit, pass: null, gap: "not measured" };
    return { name, target: goal, measured: round(measured, 3), unit, pass: ok(measured), gap: gap(measured) };
  };
  const uiP50 = ui.available ? ui.domMs.p50 : null;
  // The cancel targets: every cancel figure as a ratio to the floor measured in the same run.
  const atLeast = (goal: number) => (v: number) => v >= goal;
  const atMost = (goal: number) => (v: number) => v <= goal;
  const gapRatio = (goal: number) => (v: number) =>
    `${v >= goal ? "+" : ""}${(v - goal).toFixed(2)}× (${((v / goal) * 100 - 100).toFixed(0)}% vs the target)`;
  const floorPgC16 = floorC16.length ? floorC16.reduce((s, x) => s + (x.postgresCpuMsPerReq ?? NaN), 0) / floorC16.length : null;
  const targets: Target[] = [
    target("tRPC cancel req/s c=16 ÷ floor", "≥ 0.4", ratios.trpc_c16_rps_vs_floor, "×", atLeast(0.4), gapRatio(0.4)),
    target("REST cancel req/s c=16 ÷ floor", "≥ 0.4", ratios.rest_c16_rps_vs_floor, "×", atLeast(0.4), gapRatio(0.4)),
    target("tRPC cancel p50 c=1 ÷ floor p50", "≤ 2.5", ratios.trpc_c1_p50_vs_floor, "×", atMost(2.5), gapRatio(2.5)),
    target("REST cancel p50 c=1 ÷ floor p50", "≤ 2.5", ratios.rest_c1_p50_vs_floor, "×", atMost(2.5), gapRatio(2.5)),
    target(
      "Postgres CPU per tRPC cancel c=16 ÷ floor's",
      "≤ 2",
      ratio(c("trpc_c16")?.postgresCpuMsPerReq, floorPgC16),
      "×",
      atMost(2),
      gapRatio(2),
    ),
    target(
      "Postgres CPU per REST cancel c=16 ÷ floor's",
      "≤ 2",
      ratio(c("rest_c16")?.postgresCpuMsPerReq, floorPgC16),
      "×",
      atMost(2),
      gapRatio(2),
    ),
    target(
      "Postgres CPU per tRPC cancel c=1 ÷ floor's",
      "≤ 2",
      ratio(c("trpc_c1")?.postgresCpuMsPerReq, c("floor_c1")?.postgresCpuMsPerReq),
      "×",
      atMost(2),
      gapRatio(2),
    ),
    target(
      "app peak RSS under cancel load",
      "≤ 400 MB",
      peakRss || null,
      "MB",
      atMost(400),
      (v) => `${v - 400 >= 0 ? "+" : ""}${(v - 400).toFixed(0)} MB`,
    ),
    target(
      "optimistic badge after click, p50",
      "≤ 50 ms",
      uiP50,
      "ms",
      atMost(50),
      (v) => `${v - 50 >= 0 ? "+" : ""}${(v - 50).toFixed(1)} ms`,
    ),
    target(
      "optimistic badge ÷ minimal React page, p50",
      "≤ 2",
      ui.available && ui.baselineMs ? ratio(ui.domMs.p50, ui.baselineMs.p50) : null,
      "×",
      atMost(2),
      gapRatio(2),
    ),
    target(
      "another operator's cancel → badge here, p50",
      "≤ 150 ms",
      ui.available ? (ui.remoteMs?.p50 ?? null) : null,
      "ms",
      atMost(150),
      (v) => `${v - 150 >= 0 ? "+" : ""}${(v - 150).toFixed(1)} ms`,
    ),
    target(
      `list first page p50, server side, ${JOBS.toLocaleString("en")} jobs`,
      "≤ 2 ms",
      listServer.first.p50,
      "ms",
      atMost(2),
      (v) => `${v - 2 >= 0 ? "+" : ""}${(v - 2).toFixed(2)} ms`,
    ),
    target(
      `list page ${DEEP_PAGE} p50, server side, ${JOBS.toLocaleString("en")} jobs`,
      "≤ 2 ms",
      listServer.deep.p50,
      "ms",
      atMost(2),
      (v) => `${v - 2 >= 0 ? "+" : ""}${(v - 2).toFixed(2)} ms`,
    ),
    // The training-curves read at 10,000 steps, server side.
    target(
      `metrics p50, server side, ${metrics.points.toLocaleString("en")} steps, unchanged curves`,
      "≤ 5 ms",
      metrics.serverSide.unchanged.p50,
      "ms",
      atMost(5),
      (v) => `${v - 5 >= 0 ? "+" : ""}${(v - 5).toFixed(2)} ms`,
    ),
    target(
      `metrics p50, server side, ${metrics.points.toLocaleString("en")} steps, right after a new step`,
      "≤ 5 ms",
      metrics.serverSide.afterNewStep.p50,
      "ms",
      atMost(5),
      (v) => `${v - 5 >= 0 ? "+" : ""}${(v - 5).toFixed(2)} ms`,
    ),
    sweepsTarget(sweeps),
  ];
  return { floorRps, floorP50c16, ratios, peakRss, targets };
}

export function printTable(
  results: Record<string, unknown>,
  cases: Record<string, CaseResult | { available: false; reason: string }>,
  listServer: { first: Stats; deep: Stats },
  listHttp: { first: CaseResult; deep: CaseResult },
  ui: UiResult,
  targets: Target[],
  peakRss: number,
  floorRps: number | null,
  metrics: MetricsResult,
): void {
  const f = (v: number | null | undefined, d = 2) => (v == null || !Number.isFinite(v) ? "—" : v.toFixed(d));
  const rows: string[][] = [
    ["case", "c", "req/s", "p50 ms", "p99 ms", "vs floor (req/s)", "server CPU ms/req", "pg CPU ms/req", "others' CPUs", "errors"],
  ];
  for (const [key, r] of Object.entries(cases)) {
    if (!("rps" in r)) {
      rows.push([key, "", "not available", r.reason, "", "", "", "", "", ""]);
      continue;
    }
    const floorC1 = cases.floor_c1 && "rps" in cases.floor_c1 ? cases.floor_c1.rps : null;
    const base = r.concurrency === 16 ? floorRps : floorC1;
    const vs = !key.startsWith("floor") && base ? f(r.rps / base) : "";
    rows.push([
      `${r.name}${r.noisy ? " (noisy)" : ""}`,
      String(r.concurrency),
      f(r.rps, 0),
      f(r.latency.p50),
      f(r.latency.p99),
      vs,
      f(r.serverCpuMsPerReq, 3),
      f(r.postgresCpuMsPerReq, 3),
      f(r.otherCpusDuring),
      String(r.errors),
    ]);
  }
  rows.push([
    "list first page, service in-process",
    "1",
    f(1000 / listServer.first.mean, 0),
    f(listServer.first.p50, 3),
    f(listServer.first.p99, 3),
    "",
    "",
    "",
    "",
    "0",
  ]);
  rows.push([
    `list page ${DEEP_PAGE}, service in-process`,
    "1",
    f(1000 / listServer.deep.mean, 0),
    f(listServer.deep.p50, 3),
    f(listServer.deep.p99, 3),
    "",
    "",
    "",
    "",
    "0",
  ]);
  for (const r of [listHttp.first, listHttp.deep])
    rows.push([
      r.name,
      "1",
      f(r.rps, 0),
      f(r.latency.p50),
      f(r.latency.p99),
      "",
      f(r.serverCpuMsPerReq, 3),
      f(r.postgresCpuMsPerReq, 3),
      f(r.otherCpusDuring),
      String(r.errors),
    ]);
  if (ui.available) {
    rows.push([`optimistic cancel, click → badge (n=${ui.cancels})`, "", "", f(ui.domMs.p50, 1), f(ui.domMs.p99, 1), "", "", "", "", ""]);
    rows.push([`  (click → cancel response, same clicks)`, "", "", f(ui.responseMs.p50, 1), f(ui.responseMs.p99, 1), "", "", "", "", ""]);
    if (ui.remoteMs)
      rows.push([
        `another operator's cancel → badge here (n=${ui.remoteMs.n})`,
        "",
        "",
        f(ui.remoteMs.p50, 1),
        f(ui.remoteMs.p99, 1),
        "",
        "",
        "",
        "",
        "",
      ]);
    if (ui.baselineMs)
      rows.push([
        `  minimal React page, click → badge (n=${ui.baselineMs.n})`,
        "",
        "",
        f(ui.baselineMs.p50, 1),
        f(ui.baselineMs.p99, 1),
        "",
        "",
        "",
        "",
        "",
      ]);
  } else rows.push(["optimistic cancel, click → badge", "", "not available", ui.reason, "", "", "", "", "", ""]);
  const m = metrics.serverSide;
  rows.push([
    `metrics, ${metrics.points} steps, service in-process, unchanged`,
    "1",
    f(1000 / m.unchanged.mean, 0),
    f(m.unchanged.p50, 3),
    f(m.unchanged.p99, 3),
    "",
    "",
    "",
    "",
    "0",
  ]);
  rows.push([
    `metrics, service in-process, after a new step`,
    "1",
    f(1000 / m.afterNewStep.mean, 0),
    f(m.afterNewStep.p50, 3),
    f(m.afterNewStep.p99, 3),
    "",
    "",
    "",
    "",
    "0",
  ]);
  if ("rps" in metrics.rest)
    rows.push([
      metrics.rest.name,
      "1",
      f(metrics.rest.rps, 0),
      f(metrics.rest.latency.p50),
      f(metrics.rest.latency.p99),
      "",
      f(metrics.rest.serverCpuMsPerReq, 3),
      f(metrics.rest.postgresCpuMsPerReq, 3),
      f(metrics.rest.otherCpusDuring),
      String(metrics.rest.errors),
    ]);
  if (metrics.chart.available) {
    rows.push([
      `detail page, navigation → loss chart drawn (n=${metrics.chart.navigationToChartMs.n})`,
      "",
      "",
      f(metrics.chart.navigationToChartMs.p50, 1),
      f(metrics.chart.navigationToChartMs.p99, 1),
      "",
      "",
      "",
      "",
      "",
    ]);
    rows.push([
      `  navigation → DOMContentLoaded, same loads (chart: ${metrics.chart.pointsDrawn} points)`,
      "",
      "",
      f(metrics.chart.navigationToDomReadyMs.p50, 1),
      f(metrics.chart.navigationToDomReadyMs.p99, 1),
      "",
      "",
      "",
      "",
      "",
    ]);
  } else rows.push(["detail page, loss chart", "", "not available", metrics.chart.reason, "", "", "", "", "", ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  console.log("");
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  console.log(`\napp peak RSS under cancel load: ${peakRss.toFixed(0)} MB`);
  console.log(`cold start: ${JSON.stringify(results.coldStart)}`);
  console.log("\ntargets:");
  for (const t of targets)
    console.log(
      `  ${t.pass === null ? "n/a " : t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.measured ?? "—"} ${t.unit} (target ${t.target}; gap ${t.gap})`,
    );
}

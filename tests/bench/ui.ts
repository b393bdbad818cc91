// The optimistic cancel, timed inside Chromium: from the click on the confirm
// button ("Cancel job") to the row's status badge (role=status) reading
// "Cancelled". A capture-phase click listener and a MutationObserver, both
// installed in the page before the click, take performance.now().
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium, type Page } from "playwright";
import { quietly } from "./cases";
import { CHROMIUM, log, SKIP, UI_CANCELS, type BenchContext } from "./context";
import { insertJobs, ROOT } from "./harness";
import { stats, type Stats } from "./lib";
import { measureBaselineBadge } from "./ui-baseline";

export type UiResult =
  | { available: false; reason: string }
  | {
      available: true;
      cancels: number;
      /** Click → badge text "Cancelled" in the DOM, ms. */
      domMs: Stats;
      /** Click → the next animation frame after that change (≈ when it can be painted), ms. */
      frameMs: Stats;
      /** Click → the cancel's HTTP response arrived (what a non-optimistic UI would wait for at least), ms. */
      responseMs: Stats;
      samples: Array<{ domMs: number; frameMs: number; responseMs: number }>;
      /** The same click → badge on a minimal React page in the same Chromium (the target's yardstick), ms; null when it failed. */
      baselineMs: Stats | null;
      /** Another operator's cancel (the API, with a key) → the badge here reads "Cancelled", through the live feed, ms (wall clock, same machine). */
      remoteMs: Stats | null;
    };

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type Probe = { clickAt: number; changedAt: number; frameAt: number; responseAt: number; done: boolean };

// Plain JavaScript, passed to the page as text: tsx's transform would wrap a
// function literal with helpers (__name) that do not exist in the page.
const PROBE_SCRIPT = `(jobHref) => {
  const probe = { clickAt: 0, changedAt: 0, frameAt: 0, responseAt: 0, done: false };
  window.__benchProbe = probe;
  const badgeText = () => document.querySelector('a[href="' + jobHref + '"]')?.closest("tr")?.querySelector('[role="status"]')?.textContent?.trim();
  window.addEventListener("click", () => { probe.clickAt ||= performance.now(); }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (probe.done || !probe.clickAt || badgeText() !== "Cancelled") return;
    probe.changedAt = performance.now();
    probe.done = true;
    observer.disconnect();
    requestAnimationFrame(() => { probe.frameAt = performance.now(); });
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  // When the cancel's response has arrived (resource timing), for comparison.
  const resources = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name.includes("finetuning.cancel") && probe.clickAt && !probe.responseAt) {
        probe.responseAt = entry.responseEnd;
        resources.disconnect();
      }
    }
  });
  resources.observe({ type: "resource" });
}`;

async function installProbe(page: Page, href: string): Promise<void> {
  await page.evaluate(`(${PROBE_SCRIPT})(${JSON.stringify(href)})`);
}

/**
 * Polls an expression from here (CDP's evaluate is not subject to the page's
 * Content-Security-Policy; Playwright's waitForFunction compiles the string in
 * the page, which the CSP's script-src forbids). The times come from the page.
 */
export async function waitInPage(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readProbe(page: Page): Promise<Probe | undefined> {
  return page.evaluate<Probe | undefined>("window.__benchProbe");
}

/** Signs in through the form and waits for /jobs; false when there is no sign-in form. */
export async function signIn(
  page: Page,
  { baseUrl, email, password }: { baseUrl: string; email: string; password: string },
): Promise<boolean> {
  await page.goto(`${baseUrl}/sign-in`);
  // A click before React has hydrated would submit the form natively (a GET with the password in the URL).
  await page.waitForLoadState("networkidle");
  const emailField = page.getByLabel("Email");
  if ((await emailField.count()) === 0) return false;
  await emailField.fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/jobs/, { timeout: 30_000 });
  await page.waitForLoadState("load");
  return true;
}

export async function measureOptimisticCancel(opts: {
  baseUrl: string;
  executablePath: string;
  email: string;
  password: string;
  cancels: number;
  log(line: string): void;
  /** Where to leave a screenshot and the page's HTML when it is not measurable. */
  failureDir?: string;
  /** Cancels a job as another operator would (over the API); then the page's badge is timed until it follows. */
  remoteCancel?: (id: string) => Promise<void>;
}): Promise<UiResult> {
  const browser = await chromium.launch({ executablePath: opts.executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
  const page = await browser.newPage();
  const keepEvidence = async () => {
    if (!opts.failureDir) return;
    await mkdir(opts.failureDir, { recursive: true });
    await page.screenshot({ path: path.join(opts.failureDir, "ui-failure.png"), fullPage: true }).catch(() => {});
    await writeFile(path.join(opts.failureDir, "ui-failure.html"), await page.content().catch(() => "")).catch(() => {});
    opts.log(`  ui: left ui-failure.png and ui-failure.html in ${opts.failureDir} (page ${page.url()})`);
  };
  try {
    page.setDefaultTimeout(15_000);
    if (!(await signIn(page, opts))) return { available: false, reason: "no sign-in form at /sign-in" };
    // The table arrives after the client-side navigation from the sign-in page.
    const anyCancel = page.getByRole("button", { name: "Cancel", exact: true }).first();
    if (
      !(await anyCancel.waitFor({ timeout: 30_000 }).then(
        () => true,
        () => false,
      ))
    ) {
      await keepEvidence();
      return { available: false, reason: 'no "Cancel" button on /jobs within 30 s of signing in' };
    }

    const samples: Array<{ domMs: number; frameMs: number; responseMs: number }> = [];
    const deadline = Date.now() + 180_000;
    for (let i = 0; i < opts.cancels && Date.now() < deadline; i++) {
      const cancelButton = page.getByRole("button", { name: "Cancel", exact: true });
      const row = page.locator("tbody tr").filter({ has: cancelButton }).first();
      if ((await row.count()) === 0) {
        if (i === 0) {
          await keepEvidence();
          return { available: false, reason: 'no row with a "Cancel" button on /jobs' };
        }
        break;
      }
      const href = await row.locator("a[href^='/jobs/']").first().getAttribute("href");
      if (!href) return { available: false, reason: "a job row has no link to the job" };
      const confirm = page.getByRole("alertdialog").getByRole("button", { name: "Cancel job" });
      // A click that lands before React has hydrated opens nothing: try again (bounded).
      for (let attempt = 0; attempt < 5; attempt++) {
        await row.getByRole("button", { name: "Cancel", exact: true }).click();
        if (
          await confirm.waitFor({ timeout: 3_000 }).then(
            () => true,
            () => false,
          )
        )
          break;
      }
      await confirm.waitFor({ timeout: 1_000 });
      await installProbe(page, href);
      const response = page.waitForResponse((r) => r.url().includes("finetuning.cancel"), { timeout: 15_000 });
      await confirm.click();
      await waitInPage(page, "window.__benchProbe?.done === true");
      await response;
      await page.getByRole("alertdialog").waitFor({ state: "detached" });
      // Let the mutation settle (refetches after it) so each cancel starts from a quiet page.
      await page.waitForTimeout(400);
      const probe = await readProbe(page);
      if (!probe?.clickAt || !probe.changedAt) throw new Error(`cancel ${i + 1}: the probe saw no click or no change`);
      samples.push({
        domMs: probe.changedAt - probe.clickAt,
        frameMs: (probe.frameAt || probe.changedAt) - probe.clickAt,
        responseMs: probe.responseAt ? probe.responseAt - probe.clickAt : NaN,
      });
      opts.log(
        `  ui cancel ${i + 1}: badge after ${(probe.changedAt - probe.clickAt).toFixed(1)} ms, response after ${(probe.responseAt - probe.clickAt).toFixed(1)} ms`,
      );
    }
    const of = (key: "domMs" | "frameMs" | "responseMs") => {
      const values = samples.map((s) => s[key]).filter((v) => Number.isFinite(v));
      return stats(values);
    };
    const remoteMs = opts.remoteCancel
      ? await measureRemoteCancels(page, opts.remoteCancel, Math.min(10, opts.cancels), (line) => opts.log(line))
      : null;
    const baselineMs = await measureBaselineBadge({
      executablePath: opts.executablePath,
      args: CHROMIUM_ARGS,
      clicks: opts.cancels,
      resolveDir: ROOT,
    }).catch((error: unknown) => {
      opts.log(`  ui: the minimal React page was not measurable: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      return null;
    });
    if (baselineMs) opts.log(`  ui: minimal React page, click → badge p50 ${baselineMs.p50.toFixed(1)} ms (n=${baselineMs.n})`);
    return {
      available: true,
      cancels: samples.length,
      domMs: of("domMs"),
      frameMs: of("frameMs"),
      responseMs: of("responseMs"),
      samples,
      baselineMs,
      remoteMs,
    };
  } catch (error) {
    await keepEvidence();
    throw error;
  } finally {
    await browser.close();
  }
}

// Records the wall clock (Date.now(), comparable with this process's) when the row's badge reads "Cancelled".
const REMOTE_PROBE = `(jobHref) => {
  const probe = { changedAt: 0, done: false };
  window.__benchRemote = probe;
  const badgeText = () => document.querySelector('a[href="' + jobHref + '"]')?.closest("tr")?.querySelector('[role="status"]')?.textContent?.trim();
  const observer = new MutationObserver(() => {
    if (probe.done || badgeText() !== "Cancelled") return;
    probe.changedAt = Date.now();
    probe.done = true;
    observer.disconnect();
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
}`;

/** Another operator cancels a listed job over the API; how long until this page's badge shows it. */
async function measureRemoteCancels(
  page: Page,
  remoteCancel: (id: string) => Promise<void>,
  count: number,
  log: (line: string) => void,
): Promise<Stats | null> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const row = page
      .locator("tbody tr")
      .filter({ has: page.getByRole("button", { name: "Cancel", exact: true }) })
      .first();
    if ((await row.count()) === 0) break;
    const href = await row.locator("a[href^='/jobs/']").first().getAttribute("href");
    if (!href) break;
    await page.evaluate(`(${REMOTE_PROBE})(${JSON.stringify(href)})`);
    const sentAt = Date.now();
    await remoteCancel(href.split("/").pop() ?? "");
    await waitInPage(page, "window.__benchRemote?.done === true");
    const changedAt = await page.evaluate<number>("window.__benchRemote.changedAt");
    samples.push(changedAt - sentAt);
    log(`  ui: another operator's cancel → badge here after ${changedAt - sentAt} ms`);
    await page.waitForTimeout(400);
  }
  return samples.length ? stats(samples) : null;
}

/** The optimistic cancel in Chromium, on 30 newer jobs at the top of /jobs. */
export async function measureUi(ctx: BenchContext): Promise<UiResult> {
  if (SKIP.has("ui")) return { available: false, reason: "skipped (BENCH_SKIP=ui)" };
  await insertJobs(ctx.admin, ctx.connectionId, 1, 30, "ui-bench", "now() + make_interval(secs => g)");
  let ui: UiResult;
  if (!existsSync(CHROMIUM)) ui = { available: false, reason: `no Chromium at ${CHROMIUM}` };
  else {
    try {
      await quietly("the browser cancels");
      const remoteCancel = async (id: string) => {
        const response = await fetch(`${ctx.app.baseUrl}/api/v1/finetunings/${id}/cancel`, {
          method: "POST",
          headers: { authorization: ctx.authorization, "content-type": "application/json" },
          body: "{}",
        });
        if (response.status !== 200) throw new Error(`another operator's cancel answered ${response.status}`);
        await response.text();
      };
      ui = await measureOptimisticCancel({
        baseUrl: ctx.app.baseUrl,
        executablePath: CHROMIUM,
        ...ctx.operator,
        cancels: UI_CANCELS,
        log,
        failureDir: path.join(ROOT, "bench-results"),
        remoteCancel,
      });
    } catch (error) {
      ui = { available: false, reason: `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
    }
  }
  log(
    ui.available
      ? `optimistic cancel: click → badge p50 ${ui.domMs.p50.toFixed(1)} ms (n=${ui.cancels}); response p50 ${ui.responseMs.p50.toFixed(1)} ms`
      : `optimistic cancel: not available (${ui.reason})`,
  );
  return ui;
}

import type { Page } from "@playwright/test";
import { formatEstimate } from "../../app/jobs/_components/job-money";
import { apiAs, expect, makeRunningJob, sandboxControlHeaders, sandboxOrigin, saveScreenshot, signIn, test } from "./fixtures";

// Deciding when to cancel: the live loss chart and progress, pause
// and resume with their optimistic badge (and its roll-back on a refusal),
// and what the Cancel dialog says about money.

const PAUSE_ROUTE = "**/api/trpc/finetuning.pause**";
const RESUME_ROUTE = "**/api/trpc/finetuning.resume**";

async function sandbox(path: string, body?: unknown): Promise<Response> {
  return fetch(`${sandboxOrigin()}/_sandbox/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...sandboxControlHeaders(), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// The run's sandbox keeps jobs running forever (no steps); these tests train
// in a minute, so the curve moves, and put the run's timing back afterwards.
let savedRunningMs: number | null = null;
test.beforeAll(async () => {
  savedRunningMs = ((await (await sandbox("config")).json()) as { runningMs: number | null }).runningMs;
  expect((await sandbox("config", { runningMs: 90_000 })).status).toBe(200);
});
test.afterAll(async () => {
  await sandbox("config", { runningMs: savedRunningMs });
});

/** Holds the next request to `pattern` until `release()`. */
async function hold(page: Page, pattern: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const state = { sent: false };
  await page.route(pattern, async (route) => {
    state.sent = true;
    await released;
    await route.continue();
  });
  return { state, release };
}

function badge(page: Page) {
  return page
    .getByRole("region", { name: /./ })
    .filter({ has: page.getByRole("heading", { level: 1 }) })
    .getByRole("status");
}

const serverStatus = async (id: string) => (await apiAs("viewer").finetuning.get.query({ finetuning_id: id })).status;

test("the table shows a training job's progress, and its page draws the loss curve growing live", async ({ page }) => {
  // The first checkpoint comes a third of the way through (one per epoch): the page is shown with one.
  test.setTimeout(150_000);
  const job = await makeRunningJob(`e2e-curve-${Date.now().toString(36)}`);
  const name = job.alias ?? job.id;
  await signIn(page, "operator");
  const row = page
    .getByRole("table", { name: /fine-tuning jobs/i })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
  await expect(row.getByRole("progressbar", { name: `Training progress of ${name}` })).toBeVisible({ timeout: 15_000 });
  // Spent so far of the estimate, as people write it: "$0.06 of ~$0.19".
  await expect(row).toContainText(/(\$\d+\.\d\d|< \$0\.01) of (~\$[\d,]+(\.\d\d)?|< \$0\.01)/);

  await page.goto(`/jobs/${job.id}`);
  const chart = page.getByRole("figure", { name: "Loss chart" });
  await expect(chart).toBeVisible({ timeout: 15_000 });
  await expect(chart.locator(".recharts-line-curve").first()).toBeVisible();
  const points = async () => Number(await chart.getAttribute("data-points"));
  await expect.poll(points, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  const before = await points();
  // No reload: the page reads the curve again while the job trains.
  await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(before);
  const bar = page.getByRole("progressbar", { name: "Training progress" });
  await expect.poll(async () => Number(await bar.getAttribute("aria-valuenow")), { timeout: 10_000 }).toBeGreaterThan(0);

  await expect(page.getByRole("list", { name: "Checkpoints" }).getByRole("listitem").first()).toBeVisible({ timeout: 60_000 });
  // Tall enough for the progress, the curve and the checkpoints in one picture.
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await saveScreenshot(page, "job-detail");
});

test("pause then resume flip the badge before the server answers; a refused pause rolls back and says why", async ({ page }) => {
  const job = await makeRunningJob(`e2e-pause-${Date.now().toString(36)}`);
  await signIn(page, "operator");
  await page.goto(`/jobs/${job.id}`);
  await expect(badge(page)).toHaveText("Running");

  const pause = await hold(page, PAUSE_ROUTE);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(badge(page)).toHaveText("Pausing");
  await expect.poll(() => pause.state.sent).toBe(true);
  expect(await serverStatus(job.id)).toBe("running"); // held: this is the optimistic state
  pause.release();
  await expect(badge(page)).toHaveText("Paused", { timeout: 15_000 });
  expect(["pausing", "paused"]).toContain(await serverStatus(job.id));
  await page.unroute(PAUSE_ROUTE);

  const resume = await hold(page, RESUME_ROUTE);
  await page.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(badge(page)).toHaveText("Running");
  await expect.poll(() => resume.state.sent).toBe(true);
  expect(["pausing", "paused"]).toContain(await serverStatus(job.id));
  resume.release();
  await expect.poll(() => serverStatus(job.id), { timeout: 10_000 }).toBe("running");
  await expect(badge(page)).toHaveText("Running");
  await page.unroute(RESUME_ROUTE);

  // The provider refuses the next pause: the badge goes back and a toast says why.
  const fault = await sandbox("faults", {
    route: "POST /v1/fine_tuning/jobs/*/pause",
    fault: { kind: "status", status: 400, message: "This job cannot be paused right now." },
    times: 1,
  });
  expect(fault.status).toBe(200);
  const refused = await hold(page, PAUSE_ROUTE);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(badge(page)).toHaveText("Pausing");
  refused.release();
  await expect(page.getByText(/Could not pause/)).toBeVisible();
  await expect(badge(page)).toHaveText("Running");
  expect(await serverStatus(job.id)).toBe("running");
  await page.unroute(PAUSE_ROUTE);
});

test("the Cancel dialog says what has been spent of the estimate", async ({ page }) => {
  const job = await makeRunningJob(`e2e-cost-${Date.now().toString(36)}`);
  await signIn(page, "operator");
  await page.goto(`/jobs/${job.id}`);
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText(/Spent so far: (\$\d+\.\d\d|< \$0\.01) of (~\$[\d,]+(\.\d\d)?|< \$0\.01)\./);
  const { cost } = await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id });
  expect(cost.estimated_total_usd).not.toBeNull();
  await expect(dialog).toContainText(`of ${formatEstimate(cost.estimated_total_usd ?? 0)}.`);
  await dialog.getByRole("button", { name: "Keep job" }).click();
  await expect(dialog).toBeHidden();
  expect(await serverStatus(job.id)).toBe("running");
});

import { expect, hydrated, sandboxControlHeaders, sandboxOrigin, saveScreenshot, signIn, test } from "./fixtures";

// A sweep from the UI: create it, watch it stop its losing runs, read the
// compare chart, and continue the winner from its best checkpoint.

async function setRunningMs(runningMs: number): Promise<number> {
  const headers = { ...sandboxControlHeaders(), "content-type": "application/json" };
  const before = (await (await fetch(`${sandboxOrigin()}/_sandbox/config`, { headers })).json()) as { runningMs: number };
  const set = await fetch(`${sandboxOrigin()}/_sandbox/config`, { method: "POST", headers, body: JSON.stringify({ runningMs }) });
  expect(set.status).toBe(200);
  return before.runningMs;
}

let restore: number | null = null;
test.afterAll(async () => {
  if (restore !== null) await setRunningMs(restore);
});

test("create a sweep, watch runs stop, compare them, continue the winner", async ({ page }) => {
  test.setTimeout(300_000);
  // Runs that train in 20 s instead of never, so the sweep plays out while we watch.
  restore = await setRunningMs(20_000);
  await signIn(page, "operator");
  await page.goto("/sweeps");
  const form = page.getByRole("form", { name: "New sweep" });
  await hydrated(form.getByRole("button", { name: "Start sweep" }));
  await form.getByLabel("Name").fill(`e2e-lr-${Date.now().toString(36)}`);
  // The seeded connection: other specs add connections with too few golden records to train on.
  await form.getByLabel("Connection").selectOption({ label: "retail-warehouse" });
  await form.getByLabel("Learning-rate multipliers").fill("2, 6, 0.5, 0.1");
  await form.getByLabel("Epochs").fill("1");
  await form.getByLabel("Max concurrent").fill("2");
  await form.getByLabel("Early stopping").selectOption("asha");
  await form.getByLabel("Min steps").fill("4");
  await form.getByLabel("Reduction factor").fill("2");
  await form.getByRole("button", { name: "Start sweep" }).click();
  await expect(page).toHaveURL(/\/sweeps\/[0-9a-f-]{36}$/, { timeout: 30_000 });

  // The sweep stops losing runs itself, and says why.
  await expect(page.getByRole("list", { name: "Stops" }).getByRole("listitem").first()).toContainText(/stopped early by sweep e2e-lr-/, {
    timeout: 180_000,
  });
  const chart = page.getByRole("figure", { name: "Compare chart" });
  await expect(chart.locator(".recharts-line").first()).toBeVisible();
  await expect(page.getByRole("table", { name: "Runs" }).getByText("Best", { exact: true })).toBeVisible();

  // It ends when every run has, naming its winner; one click continues from the winner's best checkpoint.
  await expect(page.getByRole("status", { name: "Sweep status" })).toContainText("completed", { timeout: 180_000 });
  await saveScreenshot(page, "sweep-compare");
  await page.getByRole("button", { name: "Continue from best checkpoint" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByRole("region", { name: "Lineage" })).toContainText(/Continued from .* at step \d+/);
});

import type { Page } from "@playwright/test";
import { apiAs, demoConnectionId, expect, hydrated, signIn, test } from "./fixtures";

// A Together AI job in the table: named as Together's, no Pause button (the
// reason on hover), and a cancel that reads Cancelling… until Together's
// sandbox confirms it, then Cancelled.

function rowOf(page: Page, name: string) {
  return page
    .getByRole("table", { name: /fine-tuning jobs/i })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
}

async function runningTogetherJob(alias: string) {
  const api = apiAs("operator");
  const job = await api.finetuning.create.mutate({
    db_connection_id: await demoConnectionId(),
    alias,
    base_llm: { model_provider: "together", model_name: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference" },
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const now = await api.finetuning.get.query({ finetuning_id: job.id });
    if (now.status === "running") return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Together job ${job.id} did not reach running within 60 s`);
}

test("a Together job: no Pause, and Cancel reads Cancelling… until Together confirms, then Cancelled", async ({ page }) => {
  const alias = `together-${Date.now().toString(36)}`;
  await runningTogetherJob(alias);
  await signIn(page, "operator");
  await page.goto("/jobs");
  const row = rowOf(page, alias);
  await expect(row.getByRole("status")).toHaveText("Running");
  await expect(row).toContainText("Together AI");
  await expect(row.getByRole("button", { name: "Pause", exact: true })).toHaveCount(0);
  await expect(row.getByLabel(/Pause unavailable: Together AI cannot pause/)).toBeVisible();

  await (await hydrated(row.getByRole("button", { name: "Cancel", exact: true }))).click();
  const dialog = page.getByRole("alertdialog", { name: `Cancel ${alias}?` });
  await dialog.getByRole("button", { name: "Cancel job" }).click();
  await expect(row.getByRole("status")).toHaveText("Cancelling…");
  // The sandbox confirms a few seconds later; the live feed brings it in.
  await expect(row.getByRole("status")).toHaveText("Cancelled", { timeout: 45_000 });
});

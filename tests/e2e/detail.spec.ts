import type { Page } from "@playwright/test";
import { apiAs, expect, hydrated, makeRunningJob, sandboxControlHeaders, sandboxOrigin, signIn, test } from "./fixtures";

// The job detail page (/jobs/[id]): every field, the event timeline, the
// model id's Copy button, live status, and Cancel there too.

function field(page: Page, label: string) {
  // <dt>label</dt><dd>value</dd>: the definition that follows the term.
  return page.locator("dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
}

function summary(page: Page) {
  return page.getByRole("region", { name: /./ }).filter({ has: page.getByRole("heading", { level: 1 }) });
}

async function openJob(page: Page, name: string): Promise<void> {
  const link = page.getByRole("table", { name: /fine-tuning jobs/i }).getByRole("link", { name, exact: true });
  const heading = page.getByRole("heading", { level: 1, name });
  // The live table may insert rows (other tests' jobs) as the click lands, moving
  // the link from under it: click again until the page opens.
  await expect(async () => {
    if (await heading.isVisible()) return;
    await (await hydrated(link)).click();
    await expect(heading).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
}

test("a running job finishes live on its page; every field, the timeline and Copy work", async ({ page, context }) => {
  const job = await makeRunningJob(`e2e-detail-${Date.now().toString(36)}`);
  const name = job.alias ?? job.id;
  await signIn(page, "operator");
  await openJob(page, name);
  await expect(page).toHaveURL(new RegExp(`/jobs/${job.id}$`));
  await expect(summary(page).getByRole("status")).toHaveText("Running");
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toBeVisible();
  await expect(field(page, "Model ID")).toContainText("Available once training succeeds");

  // The provider finishes training; the page follows without a reload.
  const done = await fetch(`${sandboxOrigin()}/_sandbox/jobs/${job.finetuning_job_id}/complete`, {
    method: "POST",
    headers: sandboxControlHeaders(),
  });
  expect(done.status).toBe(200);
  // A watched job is read again within a few of the worker's poll units (server/worker/poll-plan.ts).
  await expect(summary(page).getByRole("status")).toHaveText("Succeeded", { timeout: 15_000 });
  const final = await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id });
  expect(final.model_id).toBeTruthy();
  await expect(field(page, "Model ID")).toContainText(final.model_id ?? "");
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);

  // Every field of the contract's job.
  await expect(field(page, "ID")).toHaveText(job.id);
  await expect(field(page, "Alias")).toHaveText(name);
  await expect(field(page, "Status")).toHaveText("Succeeded");
  await expect(field(page, "Database connection")).toContainText("retail-warehouse");
  await expect(field(page, "Database connection")).toContainText(job.db_connection_id);
  await expect(field(page, "Error")).toHaveText("—");
  await expect(field(page, "Base model")).toHaveText(`openai/${job.base_llm.model_name}`);
  await expect(field(page, "Golden records")).toHaveText(String(job.golden_records.length));
  await expect(field(page, "Epochs")).toContainText(String(job.base_llm.model_parameters?.n_epochs ?? "3"));
  await expect(field(page, "Batch size")).toContainText(String(job.base_llm.model_parameters?.batch_size ?? "1"));
  await expect(field(page, "Learning rate multiplier")).toContainText(
    String(job.base_llm.model_parameters?.learning_rate_multiplier ?? "auto"),
  );
  await expect(field(page, "Provider file ID")).toHaveText(job.finetuning_file_id ?? "");
  await expect(field(page, "Provider job ID")).toHaveText(job.finetuning_job_id ?? "");
  for (const label of ["Created", "Updated", "Finished"]) await expect(field(page, label).locator("time")).toHaveCount(1);
  await expect(field(page, "Cancelled")).toHaveText("—");

  // The timeline: who moved it through each status, and what the provider said.
  const timeline = page.getByRole("list", { name: "Event timeline" });
  await expect(timeline.getByRole("listitem").filter({ hasText: "Created as Queued" })).toContainText("by API key “e2e-operator”");
  await expect(timeline.getByRole("listitem").filter({ hasText: "Queued → Validating files" })).toContainText("by the worker");
  // Queued → Running, or Validating files → Running when the sandbox passed
  // through queued between two of the worker's polls (a busy machine).
  await expect(timeline.getByRole("listitem").filter({ hasText: /(Queued|Validating files) → Running/ })).toBeVisible();
  await expect(timeline.getByRole("listitem").filter({ hasText: "Running → Succeeded" })).toBeVisible();
  await expect(timeline.getByRole("listitem").filter({ hasText: "Provider" }).first()).toBeVisible();

  // Copy puts the model id on the clipboard.
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await field(page, "Model ID").getByRole("button", { name: "Copy" }).click(); // checkpoints have their own Copy
  await expect(page.getByText("Copied the model ID")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(final.model_id);
});

test("a job can be cancelled from its page, with a reason kept in its history", async ({ page }) => {
  const job = await makeRunningJob(`e2e-detail-cancel-${Date.now().toString(36)}`);
  const name = job.alias ?? job.id;
  await signIn(page, "operator");
  await page.goto(`/jobs/${job.id}`);
  await expect(summary(page).getByRole("status")).toHaveText("Running");

  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/trpc/finetuning.cancel**", async (route) => {
    await released;
    await route.continue();
  });
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  const dialog = page.getByRole("alertdialog", { name: `Cancel ${name}?` });
  await dialog.getByLabel(/Reason/).fill("wrong golden records");
  await dialog.getByRole("button", { name: "Cancel job" }).click();
  await expect(summary(page).getByRole("status")).toHaveText("Cancelled");
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
  release();

  const timeline = page.getByRole("list", { name: "Event timeline" });
  const cancelled = timeline.getByRole("listitem").filter({ hasText: "Running → Cancelled" });
  await expect(cancelled).toContainText(`by ${process.env.E2E_OPERATOR_EMAIL}`);
  await expect(cancelled).toContainText("reason: wrong golden records");
  await expect(page.getByText("Fine tuning cancelled by the user").first()).toBeVisible();
  await expect(field(page, "Cancelled").locator("time")).toHaveCount(1);

  await page.reload();
  await expect(summary(page).getByRole("status")).toHaveText("Cancelled");
  const metadata = page.getByRole("table", { name: "Job metadata" });
  await expect(metadata.getByRole("row", { name: /reason/ })).toContainText("wrong golden records");
});

test("a viewer sees the page without a Cancel button; a cancel made before its live feed starts still arrives", async ({ page }) => {
  const job = await makeRunningJob(`e2e-detail-viewer-${Date.now().toString(36)}`);
  await signIn(page, "viewer");
  // The live feed's connection is held until the cancel has happened: the
  // change lands between the page's load and the feed's start.
  let openFeed = () => {};
  const feedMayOpen = new Promise<void>((resolve) => (openFeed = resolve));
  await page.route("**/api/trpc/finetuning.onChange**", async (route) => {
    await feedMayOpen;
    await route.continue();
  });
  await page.goto(`/jobs/${job.id}`);
  await expect(summary(page).getByRole("status")).toHaveText("Running");
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
  await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
  openFeed();
  // The feed starts from the version the page was rendered with, so it
  // delivers the cancel; while it is live the page does not poll, so only
  // the feed can turn the badge.
  await expect(summary(page).getByText("Live", { exact: true })).toBeVisible();
  await expect(summary(page).getByRole("status")).toHaveText("Cancelled");
});

test("a seeded job shows its recorded history; an unknown id is a clear not-found", async ({ page }) => {
  await signIn(page, "viewer");
  await openJob(page, "retail-sql-lr-sweep");
  await expect(summary(page).getByRole("status")).toHaveText("Failed");
  await expect(field(page, "Error")).toHaveText("Training file has 3 examples with assistant messages over the token limit");
  const timeline = page.getByRole("list", { name: "Event timeline" });
  await expect(timeline.getByRole("listitem").filter({ hasText: "Running → Failed" })).toContainText("by demo seed");
  await expect(page.getByRole("table", { name: "Job metadata" })).toContainText("analytics");

  await page.goto("/jobs/00000000-0000-4000-8000-000000000000");
  await expect(page.getByText("No such job")).toBeVisible();
  await page.goto("/jobs/not-a-uuid");
  await expect(page.getByText("No such job")).toBeVisible();
});

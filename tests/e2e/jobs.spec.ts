import type { Page } from "@playwright/test";
import { TRPCClientError } from "@trpc/client";
import { apiAs, expect, hydrated, makeRunningJob, sandboxControlHeaders, sandboxOrigin, saveScreenshot, signIn, test } from "./fixtures";

// The jobs table (/jobs) as an operator and a viewer see it: the seeded jobs,
// optimistic cancel, a refused cancel rolled back, changes made elsewhere
// arriving live, filters in the URL, and sign-in itself.

const CANCEL_ROUTE = "**/api/trpc/finetuning.cancel**";

function jobsTable(page: Page) {
  return page.getByRole("table", { name: /fine-tuning jobs/i });
}

function rowOf(page: Page, name: string) {
  return jobsTable(page)
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
}

async function completeAtSandbox(providerJobId: string): Promise<void> {
  const response = await fetch(`${sandboxOrigin()}/_sandbox/jobs/${providerJobId}/complete`, {
    method: "POST",
    headers: sandboxControlHeaders(),
  });
  expect(response.status).toBe(200);
}

/** Holds the next cancel request until `release()`; `sent` says whether the page made it. */
async function holdCancel(page: Page) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const state = { sent: false };
  await page.route(CANCEL_ROUTE, async (route) => {
    state.sent = true;
    await released;
    await route.continue();
  });
  return { state, release };
}

test.describe("the jobs table", () => {
  test("lists the seeded jobs, newest first, with their statuses", async ({ page }) => {
    await signIn(page, "operator");
    const table = jobsTable(page);
    // At 1280 px the Model column gives way (the model shows under the name) so the actions stay in view.
    await expect(table.getByRole("columnheader")).toHaveText(["Name", "Database", "Status", "Progress", "Created", "Actions"]);
    await expect(rowOf(page, "retail-sql-v1").getByRole("status")).toHaveText("Succeeded");
    await expect(rowOf(page, "retail-sql-v2").getByRole("status")).toHaveText("Succeeded");
    await expect(rowOf(page, "retail-sql-lr-sweep").getByRole("status")).toHaveText("Failed");
    await expect(rowOf(page, "retail-sql-wrong-schema").getByRole("status")).toHaveText("Cancelled");
    await expect(rowOf(page, "retail-sql-v1")).toContainText("retail-warehouse");
    await expect(rowOf(page, "retail-sql-v1")).toContainText("gpt-4o-mini-2024-07-18");
    // The worker takes the seeded queued jobs to running; the page follows without a reload.
    for (const name of ["retail-sql-v3", "retail-sql-v3-epochs5", "retail-sql-nano"]) {
      await expect(rowOf(page, name).getByRole("status")).toHaveText(/Queued|Validating files|Running|Cancelled/);
    }
    await expect(rowOf(page, "retail-sql-v3").getByRole("status")).toHaveText("Running", { timeout: 30_000 });

    // Newest first: the seeded order is v1 (oldest) … nano (newest).
    const names = await table.getByRole("row").getByRole("link").allInnerTexts();
    const seeded = names.filter((n) => n.startsWith("retail-sql"));
    expect(seeded).toEqual([
      "retail-sql-llama",
      "retail-sql-nano",
      "retail-sql-v3-epochs5",
      "retail-sql-v3",
      "retail-sql-wrong-schema",
      "retail-sql-lr-sweep",
      "retail-sql-v2",
      "retail-sql-v1",
    ]);

    // Cancel only where it means something.
    await expect(rowOf(page, "retail-sql-v3").getByRole("button", { name: "Cancel", exact: true })).toBeVisible();
    for (const name of ["retail-sql-v1", "retail-sql-lr-sweep", "retail-sql-wrong-schema"]) {
      await expect(rowOf(page, name).getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
    }
    await saveScreenshot(page, "jobs");
  });

  test("cancel is optimistic: the badge reads Cancelled before the server answers, and stays after a reload", async ({ page }) => {
    const job = await makeRunningJob(`e2e-optimistic-${Date.now().toString(36)}`);
    const name = job.alias ?? job.id;
    await signIn(page, "operator");
    const row = rowOf(page, name);
    await expect(row.getByRole("status")).toHaveText("Running");

    const held = await holdCancel(page);
    await row.getByRole("button", { name: "Cancel", exact: true }).click();
    const dialog = page.getByRole("alertdialog", { name: `Cancel ${name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("Training stops now and cannot be resumed");
    await expect(dialog.getByRole("button", { name: "Keep job" })).toBeFocused();
    await saveScreenshot(page, "cancel-dialog");

    const answered = page.waitForResponse(CANCEL_ROUTE);
    await dialog.getByRole("button", { name: "Cancel job" }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByRole("status")).toHaveText("Cancelled");
    // The request is out but held, so this is the optimistic state: the server still says running.
    await expect.poll(() => held.state.sent).toBe(true);
    expect((await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id })).status).toBe("running");
    await expect(row.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);

    held.release();
    expect((await answered).status()).toBe(200);
    await expect(page.getByText(`Cancelled ${name}`)).toBeVisible();
    await page.unroute(CANCEL_ROUTE);

    await page.reload();
    await expect(rowOf(page, name).getByRole("status")).toHaveText("Cancelled");
    expect((await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id })).status).toBe("cancelled");
  });

  test("dismissing the dialog with Keep job changes nothing", async ({ page }) => {
    const job = await makeRunningJob(`e2e-keep-${Date.now().toString(36)}`);
    await signIn(page, "operator");
    const row = rowOf(page, job.alias ?? job.id);
    const cancelButton = row.getByRole("button", { name: "Cancel", exact: true });
    await cancelButton.click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Keep job" }).click();
    await expect(page.getByRole("alertdialog")).toBeHidden();
    await expect(cancelButton).toBeFocused();
    await cancelButton.press("Enter");
    await expect(page.getByRole("alertdialog")).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(page.getByRole("alertdialog")).toBeHidden();
    await expect(row.getByRole("status")).toHaveText("Running");
    expect((await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id })).status).toBe("running");
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
  });

  test("a cancel refused with CONFLICT rolls the badge back and says why", async ({ page, request }) => {
    // A real CONFLICT from the API (a succeeded job cannot be cancelled), replayed for a running job.
    const all = await apiAs("viewer").finetuning.list.query({ status: "succeeded", limit: 100 });
    const succeeded = all.items.find((j) => j.alias === "retail-sql-v1");
    expect(succeeded).toBeDefined();
    const real = await request.post(`/api/trpc/finetuning.cancel?batch=1`, {
      headers: { authorization: `Bearer ${process.env.E2E_API_KEY_OPERATOR}`, "content-type": "application/json" },
      data: { 0: { finetuning_id: succeeded?.id } },
    });
    expect(real.status()).toBe(409);
    const conflictBody = await real.text();
    expect(conflictBody).toContain("has already succeeded");

    const job = await makeRunningJob(`e2e-conflict-${Date.now().toString(36)}`);
    const name = job.alias ?? job.id;
    await signIn(page, "operator");
    const row = rowOf(page, name);
    await expect(row.getByRole("status")).toHaveText("Running");

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(CANCEL_ROUTE, async (route) => {
      await released;
      await route.fulfill({ status: 409, contentType: "application/json", body: conflictBody.replaceAll(succeeded?.id ?? "", job.id) });
    });
    await row.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Cancel job" }).click();
    await expect(row.getByRole("status")).toHaveText("Cancelled");
    release();

    await expect(row.getByRole("status")).toHaveText("Running");
    const toast = page.getByRole("listitem").filter({ hasText: `Could not cancel ${name}` });
    await expect(toast).toBeVisible();
    await expect(toast).toContainText(`Fine-tuning job ${job.id} has already succeeded`);
    await expect(row.getByRole("button", { name: "Cancel", exact: true })).toBeVisible();
    await page.unroute(CANCEL_ROUTE);
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
  });

  test("a job that finishes while its cancel is in flight: the server's CONFLICT wins and the row shows Succeeded", async ({ page }) => {
    const job = await makeRunningJob(`e2e-race-${Date.now().toString(36)}`);
    const name = job.alias ?? job.id;
    await signIn(page, "operator");
    const row = rowOf(page, name);
    await expect(row.getByRole("status")).toHaveText("Running");

    const held = await holdCancel(page);
    await row.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Cancel job" }).click();
    await expect(row.getByRole("status")).toHaveText("Cancelled");
    await expect.poll(() => held.state.sent).toBe(true);

    // Training finishes at the provider before the held cancel reaches the server.
    await completeAtSandbox(job.finetuning_job_id ?? "");
    held.release();

    const toast = page.getByRole("listitem").filter({ hasText: `Could not cancel ${name}` });
    await expect(toast).toContainText("has already succeeded");
    await expect(row.getByRole("status")).toHaveText("Succeeded");
    await expect(row.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);
    await page.unroute(CANCEL_ROUTE);
  });

  test("changes made elsewhere appear without a reload", async ({ page }) => {
    const finishing = await makeRunningJob(`e2e-live-done-${Date.now().toString(36)}`);
    const stopping = await makeRunningJob(`e2e-live-stop-${Date.now().toString(36)}`);
    await signIn(page, "operator");
    await expect(rowOf(page, finishing.alias ?? "").getByRole("status")).toHaveText("Running");
    await expect(rowOf(page, stopping.alias ?? "").getByRole("status")).toHaveText("Running");
    await expect(page.getByText("Live", { exact: true })).toBeVisible();

    // The provider finishes one (the worker notices), another operator cancels the other.
    await completeAtSandbox(finishing.finetuning_job_id ?? "");
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: stopping.id, metadata: { reason: "e2e: cancelled elsewhere" } });
    await expect(rowOf(page, stopping.alias ?? "").getByRole("status")).toHaveText("Cancelled", { timeout: 2_000 });
    await expect(rowOf(page, finishing.alias ?? "").getByRole("status")).toHaveText("Succeeded", { timeout: 5_000 });

    // A job created elsewhere shows up too.
    const created = await makeRunningJob(`e2e-live-new-${Date.now().toString(36)}`);
    await expect(rowOf(page, created.alias ?? "").getByRole("status")).toHaveText("Running");
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: created.id });
    await expect(rowOf(page, created.alias ?? "").getByRole("status")).toHaveText("Cancelled", { timeout: 2_000 });
  });

  test("while the live feed is down, the table polls and still shows changes", async ({ page }) => {
    await page.route("**/api/trpc/finetuning.onChange**", (route) => route.abort());
    const job = await makeRunningJob(`e2e-polling-${Date.now().toString(36)}`);
    await signIn(page, "operator");
    await expect(page.getByText("Polling every 5 s")).toBeVisible();
    await expect(rowOf(page, job.alias ?? job.id).getByRole("status")).toHaveText("Running");
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    await expect(rowOf(page, job.alias ?? job.id).getByRole("status")).toHaveText("Cancelled", { timeout: 8_000 });
    await page.unroute("**/api/trpc/finetuning.onChange**");
  });

  test("filters live in the URL and pages load with Load more", async ({ page }) => {
    await signIn(page, "operator");
    await page.getByLabel("Status").selectOption({ label: "Succeeded" });
    await expect(page).toHaveURL(/[?&]status=succeeded/);
    await expect(rowOf(page, "retail-sql-v1")).toBeVisible();
    await expect(rowOf(page, "retail-sql-lr-sweep")).toHaveCount(0);
    for (const badge of await jobsTable(page).getByRole("status").all()) await expect(badge).toHaveText("Succeeded");

    await page.reload();
    await expect(page.getByLabel("Status")).toHaveValue("succeeded");
    await page.getByLabel("Database").selectOption({ label: "retail-warehouse" });
    await expect(page).toHaveURL(/connection=[0-9a-f-]{36}/);
    await expect(rowOf(page, "retail-sql-v2")).toBeVisible();

    await page.getByLabel("Status").selectOption({ label: "Failed" });
    await expect(rowOf(page, "retail-sql-lr-sweep")).toBeVisible();
    await expect(rowOf(page, "retail-sql-v1")).toHaveCount(0);
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await expect(page).toHaveURL(/\/jobs$/);

    await page.goto("/jobs?limit=3");
    await expect(jobsTable(page).getByRole("row")).toHaveCount(4); // header + 3
    await page.getByRole("button", { name: "Load more" }).click();
    await expect(jobsTable(page).getByRole("row")).toHaveCount(7);
    const names = await jobsTable(page).getByRole("row").getByRole("link").allInnerTexts();
    expect(new Set(names).size).toBe(6);
  });

  test("search and sort live in the URL: a reload shows the same view, in the server's order", async ({ page }) => {
    test.setTimeout(180_000); // several reloads; a shared machine renders slowly
    await signIn(page, "operator");
    const names = async () => (await jobsTable(page).getByRole("row").getByRole("link").allInnerTexts()).map((n) => n.trim());
    const search = page.getByRole("searchbox", { name: "Search jobs" });

    await search.fill("RETAIL-SQL-V");
    await expect(page).toHaveURL(/[?&]q=RETAIL-SQL-V/);
    await expect.poll(names).toEqual(["retail-sql-v3-epochs5", "retail-sql-v3", "retail-sql-v2", "retail-sql-v1"]);
    await page.getByLabel("Sort").selectOption({ label: "Oldest first" });
    await expect(page).toHaveURL(/[?&]sort=created_at/);
    await expect.poll(names).toEqual(["retail-sql-v1", "retail-sql-v2", "retail-sql-v3", "retail-sql-v3-epochs5"]);

    await page.reload();
    await expect(search).toHaveValue("RETAIL-SQL-V");
    await expect(page.getByLabel("Sort")).toHaveValue("created_at");
    expect(await names()).toEqual(["retail-sql-v1", "retail-sql-v2", "retail-sql-v3", "retail-sql-v3-epochs5"]);

    // Every order is the server's: the table shows what the API lists for the same search and sort
    // (read again while waiting: the worker may move a seeded job meanwhile).
    await search.fill("retail-sql");
    await expect(page).toHaveURL(/[?&]q=retail-sql(&|$)/);
    for (const [label, sort] of [
      ["Status, active first", "status"],
      ["Most spent first", "-cost"],
      ["Most progress first", "-progress"],
    ] as const) {
      const listed = async () =>
        (await apiAs("viewer").finetuning.list.query({ q: "retail-sql", sort, limit: 100 })).items.map((j) => j.alias);
      await page.getByLabel("Sort").selectOption({ label });
      await expect(page).toHaveURL(new RegExp(`[?&]sort=${sort}`));
      await expect.poll(async () => JSON.stringify(await names()) === JSON.stringify(await listed())).toBe(true);
      await page.reload();
      await expect(page.getByLabel("Sort")).toHaveValue(sort);
      await expect.poll(async () => JSON.stringify(await names()) === JSON.stringify(await listed())).toBe(true);
    }

    // A whole job id or provider job id finds that one job (a seeded job that reached its provider).
    const atProvider = (await apiAs("viewer").finetuning.list.query({ q: "retail-sql", limit: 100 })).items.find(
      (j) => j.finetuning_job_id !== null,
    );
    expect(atProvider?.finetuning_job_id).toBeTruthy();
    for (const q of [atProvider?.id ?? "", atProvider?.finetuning_job_id ?? ""]) {
      await search.fill(q);
      await search.press("Enter");
      await expect.poll(names).toEqual([atProvider?.alias ?? atProvider?.id]);
    }
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await expect(search).toHaveValue("");
    await expect(page).toHaveURL(/\/jobs\?sort=-progress$/);
  });

  test("a job's name opens its detail page", async ({ page }) => {
    await signIn(page, "viewer");
    await (await hydrated(rowOf(page, "retail-sql-v2").getByRole("link", { name: "retail-sql-v2" }))).click();
    // The URL changes when the page's server render arrives, which a loaded machine can hold back for seconds.
    await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await expect(page.getByRole("heading", { level: 1, name: "retail-sql-v2" })).toBeVisible();
  });
});

test.describe("viewers", () => {
  test("see no Cancel button, and the API refuses their cancel", async ({ page }) => {
    const job = await makeRunningJob(`e2e-viewer-${Date.now().toString(36)}`);
    await signIn(page, "viewer");
    await expect(page.getByRole("banner")).toContainText("viewer");
    const row = rowOf(page, job.alias ?? job.id);
    await expect(row.getByRole("status")).toHaveText("Running");
    await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);

    const refused = await apiAs("viewer")
      .finetuning.cancel.mutate({ finetuning_id: job.id })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as { data?: { code?: string } }).data?.code).toBe("FORBIDDEN");
    expect((await apiAs("viewer").finetuning.get.query({ finetuning_id: job.id })).status).toBe("running");
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
  });
});

test.describe("sign-in", () => {
  // Runs last in this file: it signs in through the form twice, and sign-ins are rate-limited.
  test("a visitor is sent to sign in, sees a wrong password inline, and comes back to where they were going", async ({ page }) => {
    const email = process.env.E2E_OPERATOR_EMAIL ?? "";
    await page.goto("/jobs?status=succeeded");
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    const submit = async (password: string) => {
      for (let attempt = 1; attempt <= 4; attempt++) {
        await page.getByLabel("Email").fill(email);
        await page.getByLabel("Password").fill(password);
        await page.getByRole("button", { name: "Sign in" }).click();
        const limited = page.getByText("Too many sign-in attempts");
        await expect(page.getByRole("heading", { level: 1, name: "Fine-tuning jobs" }).or(page.locator("#sign-in-error"))).toBeVisible();
        if (!(await limited.isVisible())) return;
        await page.waitForTimeout(10_500);
      }
    };
    await submit("not-the-password");
    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password" })).toBeVisible();
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");

    await submit(process.env.E2E_OPERATOR_PASSWORD ?? "");
    await expect(page).toHaveURL(/\/jobs\?status=succeeded$/);
    await expect(page.getByLabel("Status")).toHaveValue("succeeded");
    const banner = page.getByRole("banner");
    await expect(banner).toContainText(email);
    await expect(banner).toContainText("operator");
    await expect(banner.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" })).toHaveAttribute(
      "aria-current",
      "page",
    );

    await banner.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await expect(page.getByRole("banner")).toHaveCount(0);
    await page.goto("/jobs");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fjobs$/);
  });
});

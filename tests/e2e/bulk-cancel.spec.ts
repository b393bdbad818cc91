import type { Page } from "@playwright/test";
import { apiAs, expect, makeRunningJob, sandboxControlHeaders, sandboxOrigin, signIn, test } from "./fixtures";

// Bulk cancel in the jobs table: select three rows, read the dry
// run, confirm; the badges flip, and the one the provider refuses rolls back
// with its reason.

// The open dialog is modal (the page behind it is hidden from the accessibility
// tree), yet its badges are what flips: read them with hidden elements included.
const hidden = { includeHidden: true };
function rowOf(page: Page, name: string) {
  return page
    .getByRole("table", { name: /fine-tuning jobs/i, ...hidden })
    .getByRole("row", hidden)
    .filter({ has: page.getByRole("link", { name, exact: true, ...hidden }) });
}
const badgeOf = (page: Page, name: string) => rowOf(page, name).getByRole("status", hidden);

async function sandboxFaults(method: "POST" | "DELETE", body?: unknown) {
  const response = await fetch(`${sandboxOrigin()}/_sandbox/faults`, {
    method,
    headers: { ...sandboxControlHeaders(), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

test("select 3 running jobs, dry run, confirm: two are cancelled, the refused one rolls back with its reason", async ({ page }) => {
  const tag = Date.now().toString(36);
  const [a, b, c] = [await makeRunningJob(`bulk-a-${tag}`), await makeRunningJob(`bulk-b-${tag}`), await makeRunningJob(`bulk-c-${tag}`)];
  // The provider refuses every cancel of c's provider job.
  await sandboxFaults("POST", {
    route: `POST /v1/fine_tuning/jobs/${c.finetuning_job_id}/cancel`,
    fault: { kind: "status", status: 503 },
    times: 1_000,
  });
  try {
    await signIn(page, "operator");
    await page.goto("/jobs");
    for (const job of [a, b, c]) await page.getByRole("checkbox", { name: `Select ${job.alias}` }).check();
    await expect(page.getByRole("region", { name: "Selection" })).toContainText("3 selected");
    await page.getByRole("region", { name: "Selection" }).getByRole("button", { name: "Cancel 3 jobs" }).click();

    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("dry-run-will-cancel")).toHaveText("3");
    await expect(dialog.getByRole("list", { name: "Dry run" })).toContainText("spent so far");
    // The dry run changed nothing.
    for (const job of [a, b, c]) await expect(badgeOf(page, job.alias ?? "")).toHaveText("Running");

    await dialog.getByRole("button", { name: "Cancel 3 jobs" }).click();
    await expect(badgeOf(page, a.alias ?? "")).toHaveText("Cancelled");
    await expect(badgeOf(page, b.alias ?? "")).toHaveText("Cancelled");
    const refused = dialog.getByRole("list", { name: "Results" }).locator(`[data-outcome="provider_unreachable"]`);
    await expect(refused).toContainText("provider unreachable", { timeout: 45_000 });
    await expect(refused).toContainText("could not be reached");
    await expect(badgeOf(page, c.alias ?? "")).toHaveText("Running");

    const api = apiAs("viewer");
    expect((await api.finetuning.get.query({ finetuning_id: a.id })).status).toBe("cancelled");
    expect((await api.finetuning.get.query({ finetuning_id: c.id })).status).toBe("running");
  } finally {
    await sandboxFaults("DELETE");
    await apiAs("operator")
      .finetuning.cancel.mutate({ finetuning_id: c.id })
      .catch(() => undefined);
  }
});

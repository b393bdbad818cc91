import { apiAs, expect, makeRunningJob, signIn, test } from "./fixtures";

// A guardrail's stop appears live in the jobs table, with its
// shield saying which rule and numbers, and under "Stopped by: a guardrail".

test("a job past its max runtime is cancelled by its guardrail, live, and the row says why", async ({ page }) => {
  await signIn(page, "operator");
  await page.goto("/jobs");
  const job = await makeRunningJob(`guarded-${Date.now().toString(36)}`);
  const row = page
    .getByRole("table", { name: /fine-tuning jobs/i })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: job.alias ?? "", exact: true }) });
  await expect(row.getByRole("status")).toHaveText("Running", { timeout: 15_000 });

  await apiAs("operator").finetuning.setGuardrails.mutate({
    finetuning_id: job.id,
    guardrails: { max_runtime_seconds: { limit: 1, action: "cancel" } },
  });
  // No reload: the worker's sweep cancels it and the live feed brings the change.
  await expect(row.getByRole("status")).toHaveText("Cancelled", { timeout: 30_000 });
  await expect(row.getByTestId("guardrail-flag")).toHaveAttribute(
    "aria-label",
    /Guardrail max_runtime: running \d+(m \d\ds|s|m) > 1s \(cancel: (stopped the job|is stopping the job)\)/,
  );

  await page.getByLabel("Stopped by").selectOption("guardrail");
  await expect(page).toHaveURL(/stopped=guardrail/);
  await expect(row).toBeVisible();
  const events = await apiAs("viewer").finetuning.events.query({ finetuning_id: job.id });
  expect(events.find((e) => e.to_status === "cancelled")).toMatchObject({
    actor: "guardrail",
    reason: expect.stringMatching(/^cancelled by guardrail max_runtime: /),
  });
});

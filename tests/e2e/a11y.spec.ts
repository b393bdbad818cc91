import type { Page } from "@playwright/test";
import { apiAs, expect, expectAccessible, hydrated, makeRunningJob, saveScreenshot, signIn, test } from "./fixtures";

// axe-core (WCAG 2.2 AA) on every screen, with each dialog open: no serious
// or critical violation anywhere. The jobs table and a job's page, whose
// layouts change most, are checked on a phone too.

// axe reads every element of a page: on a busy machine a big page takes a while.
test.describe.configure({ timeout: 300_000 });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const DIALOG = "[role=dialog], [role=alertdialog]";

/** Opens the dialog behind `trigger`, checks it, then closes it with Escape. */
async function withDialogOpen(page: Page, trigger: string, screen: string): Promise<void> {
  await (await hydrated(page.getByRole("button", { name: trigger, exact: true }).first())).click();
  const dialog = page.getByRole("dialog").or(page.getByRole("alertdialog"));
  await expect(dialog).toBeVisible();
  await expectAccessible(page, `${screen} with “${trigger}” open`, DIALOG);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
}

test("the signed-out pages", async ({ page }) => {
  await page.goto("/sign-in");
  await hydrated(page.getByRole("button", { name: "Sign in" }));
  await expectAccessible(page, "/sign-in");

  // An admin whose password someone else chose is held at the password change.
  await page.getByLabel("Email").fill(process.env.E2E_NEWCOMER_EMAIL ?? "");
  await page.getByLabel("Password").fill(process.env.E2E_NEWCOMER_PASSWORD ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose your own password" })).toBeVisible({ timeout: 45_000 });
  await expectAccessible(page, "/sign-in/new-password");
});

for (const viewport of [DESKTOP, PHONE]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("the jobs table and New job", async ({ page }) => {
      await signIn(page, "admin");
      // A short page: every row is the same component, and axe reads each element.
      await page.goto("/jobs?limit=10");
      await expect(page.getByRole("table", { name: /fine-tuning jobs/i })).toBeVisible();
      await expectAccessible(page, "/jobs");
      await withDialogOpen(page, "New job", "/jobs");
    });

    test("cancelling from the table: one job, and a selection", async ({ page }) => {
      const job = await makeRunningJob(`e2e-a11y-${Date.now().toString(36)}`);
      const name = job.alias ?? job.id;
      await signIn(page, "admin");
      await page.goto("/jobs?limit=10");
      await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
      await withDialogOpen(page, "Cancel", "/jobs");
      await page.getByRole("checkbox", { name: `Select ${name}` }).check();
      await expectAccessible(page, "/jobs with a selection");
      await withDialogOpen(page, "Cancel 1 job", "/jobs with a selection");
      await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    });

    test("a job's page and its Cancel", async ({ page }) => {
      const job = await makeRunningJob(`e2e-a11y-detail-${Date.now().toString(36)}`);
      await signIn(page, "admin");
      await page.goto(`/jobs/${job.id}`);
      await expect(page.getByRole("heading", { level: 1, name: job.alias ?? job.id })).toBeVisible();
      await expectAccessible(page, "/jobs/[id]");
      await withDialogOpen(page, "Cancel", "/jobs/[id]");
      await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    });
  });
}

test.describe(`at ${DESKTOP.width}×${DESKTOP.height}`, () => {
  test("connections and their dialogs", async ({ page }) => {
    await signIn(page, "admin");
    await page.goto("/connections");
    await expect(page.getByRole("heading", { level: 1, name: "Database connections" })).toBeVisible();
    await expectAccessible(page, "/connections");
    await withDialogOpen(page, "Add connection", "/connections");
    await withDialogOpen(page, "Import golden records", "/connections");
  });

  test("settings and their dialogs", async ({ page }) => {
    await signIn(page, "admin");
    for (const [path, heading, dialogs] of [
      ["/settings/users", "Users", ["Add user", "Remove"]],
      ["/settings/api-keys", "API keys", ["Create key", "Revoke"]],
      ["/settings/webhooks", "Webhooks", ["Add endpoint"]],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 2, name: heading })).toBeVisible();
      await expectAccessible(page, path);
      if (path === "/settings/users") await saveScreenshot(page, "settings");
      for (const trigger of dialogs) await withDialogOpen(page, trigger, path);
    }
  });

  test("the API reference", async ({ page }) => {
    await signIn(page, "viewer");
    await page.goto("/docs/api");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectAccessible(page, "/docs/api");
  });
});

import type { Locator, Page } from "@playwright/test";
import { apiAs, expect, hydrated, makeRunningJob, saveScreenshot, signIn, test } from "./fixtures";

// Cancel is always in reach: at a laptop's width and on a phone, the first
// active job's Cancel button is inside the viewport without scrolling
// sideways, and cancelling works from there. The job's page fits a phone too.

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** Nothing on the page, nor inside the jobs table's box, has been scrolled sideways, and nothing is wider than the window. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const scrolled = await page.evaluate(() => ({
    window: window.scrollX,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    boxes: [...document.querySelectorAll("*")].filter((el) => el.scrollLeft > 0).length,
  }));
  expect(scrolled).toEqual({ window: 0, overflow: 0, boxes: 0 });
}

/** The element lies within the viewport's width (it may be further down the page). */
async function expectWithinWidth(page: Page, locator: Locator): Promise<void> {
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box).not.toBeNull();
  expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
}

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });
    // The shared test machine can be slow to render a page; nothing here is timed.
    test.describe.configure({ timeout: 180_000 });

    test("the first active job's Cancel is in reach, and cancels", async ({ page }) => {
      await makeRunningJob(`e2e-reach-${viewport.width}-${Date.now().toString(36)}`);
      await signIn(page, "operator");
      const table = page.getByRole("table", { name: /fine-tuning jobs/i });
      const row = table
        .getByRole("row")
        .filter({ has: page.getByRole("button", { name: "Cancel", exact: true }) })
        .first();
      const cancel = row.getByRole("button", { name: "Cancel", exact: true });
      await expect(cancel).toBeVisible();
      const link = row.getByRole("link").first();
      const id = ((await link.getAttribute("href")) ?? "").split("/").pop() ?? "";
      const name = await link.innerText();

      await expectWithinWidth(page, cancel);
      await expectNoSidewaysScroll(page);
      if (viewport.width < 640) await saveScreenshot(page, "jobs-phone");

      await (await hydrated(cancel)).click();
      const dialog = page.getByRole("alertdialog", { name: `Cancel ${name}?` });
      await expect(dialog).toBeVisible();
      await expectWithinWidth(page, dialog.getByRole("button", { name: "Cancel job" }));
      await dialog.getByRole("button", { name: "Cancel job" }).click();
      await expect(dialog).toBeHidden();
      await expect(
        table
          .getByRole("row")
          .filter({ has: page.getByRole("link", { name, exact: true }) })
          .getByRole("status"),
      ).toHaveText("Cancelled");
      await expect.poll(async () => (await apiAs("viewer").finetuning.get.query({ finetuning_id: id })).status).toBe("cancelled");
      await expectNoSidewaysScroll(page);
    });

    test("a job's page fits, with Cancel and Pause in reach", async ({ page }) => {
      const job = await makeRunningJob(`e2e-reach-detail-${viewport.width}-${Date.now().toString(36)}`);
      await signIn(page, "operator");
      await page.goto(`/jobs/${job.id}`);
      await expect(page.getByRole("heading", { level: 1, name: job.alias ?? job.id })).toBeVisible();
      await expectWithinWidth(page, page.getByRole("button", { name: "Cancel", exact: true }));
      await expectWithinWidth(page, page.getByRole("button", { name: "Pause", exact: true }));
      await expectWithinWidth(page, page.getByRole("button", { name: "Save guardrails" }));
      await expectNoSidewaysScroll(page);
      await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    });
  });
}

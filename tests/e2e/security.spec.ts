import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

// Pages need Next, so what the browser sees is checked here; the API side is
// in tests/security (run by vitest).

test("every page carries the security headers, and cannot be framed", async ({ page, request }) => {
  for (const path of ["/sign-in", "/jobs"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    const headers = response.headers();
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"], path).not.toContain("unsafe-eval");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  }
  await signIn(page, "viewer");
  const jobs = await page.goto("/jobs");
  expect(jobs?.headers()["x-frame-options"]).toBe("DENY");
  await expect(page.getByRole("heading", { level: 1, name: "Fine-tuning jobs" })).toBeVisible();
});

test("after sign-in only a same-origin path is followed", async ({ page, browser }) => {
  await signIn(page, "viewer");
  for (const next of ["//evil.example", "/\\evil.example", "/%09/evil.example", "https://evil.example", "javascript:alert(1)"]) {
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
    await expect(page, next).toHaveURL(/\/jobs$/);
  }
  // And through the form itself, signed out.
  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto(`/sign-in?next=${encodeURIComponent("/%09/evil.example")}`);
  await fresh.getByLabel("Email").fill(process.env.E2E_VIEWER_EMAIL ?? "");
  await fresh.getByLabel("Password").fill(process.env.E2E_VIEWER_PASSWORD ?? "");
  await fresh.getByRole("button", { name: "Sign in" }).click();
  await expect(fresh).toHaveURL(/\/jobs$/);
  await context.close();
});

test("before the page's script runs, sign-in cannot submit, and the form would never put the password in a URL", async ({ browser }) => {
  // No JavaScript: what the page is before hydration.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("Password").fill("a-secret-that-must-not-travel-in-urls");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeDisabled();
  await expect(page.locator("form")).toHaveAttribute("method", "post");
  await context.close();
});

test("a newcomer whose password was chosen for them must choose their own first", async ({ page }) => {
  await page.goto("/sign-in?next=/connections");
  await page.getByLabel("Email").fill(process.env.E2E_NEWCOMER_EMAIL ?? "");
  await page.getByLabel("Password").fill(process.env.E2E_NEWCOMER_PASSWORD ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose your own password" })).toBeVisible();
  await page.goto("/jobs");
  await expect(page).toHaveURL(/\/sign-in\/new-password/);
  await page.getByLabel("Current password").fill(process.env.E2E_NEWCOMER_PASSWORD ?? "");
  await page.getByLabel("New password", { exact: true }).fill("password1234");
  await page.getByLabel("New password again").fill("password1234");
  await page.getByRole("button", { name: "Save password" }).click();
  await expect(page.getByText(/too easy to guess/)).toBeVisible();
  await page.getByLabel("New password", { exact: true }).fill("cobalt-meadow-fjord-28");
  await page.getByLabel("New password again").fill("cobalt-meadow-fjord-28");
  await page.getByRole("button", { name: "Save password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Fine-tuning jobs" })).toBeVisible();
});

test("an admin makes an API key in Settings and sees it once; a viewer cannot open Settings", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }).click();
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByLabel("Name").fill("e2e-settings-key");
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByRole("dialog").getByRole("button", { name: "Create key" }).click();
  const key = page.getByLabel("The new API key");
  await expect(key).toHaveText(/^ftcr_/);
  const value = (await key.textContent()) ?? "";
  const answer = await page.request.get("/api/v1/finetunings", { headers: { authorization: `Bearer ${value}` } });
  expect(answer.status()).toBe(200);
  await page.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("row", { name: /e2e-settings-key/ });
  await expect(row).toBeVisible();
  await expect(page.getByText(value)).toHaveCount(0);
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("button", { name: "Revoke key" }).click();
  await expect(row.getByText("revoked")).toBeVisible();
  expect((await page.request.get("/api/v1/finetunings", { headers: { authorization: `Bearer ${value}` } })).status()).toBe(401);

  await page.context().clearCookies();
  await signIn(page, "viewer", { fresh: true });
  await page.goto("/settings/api-keys");
  await expect(page).toHaveURL(/\/jobs$/);
});

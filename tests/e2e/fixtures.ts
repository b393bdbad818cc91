import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Locator, type Page } from "@playwright/test";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../../server/trpc/root";

export type Role = "admin" | "operator" | "viewer";

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with \`npm run test:e2e\``);
  return value;
}

export const sandboxOrigin = () => need("E2E_SANDBOX_ORIGIN");
/** The sandbox control API (/_sandbox/*) needs the run's token. */
export const sandboxControlHeaders = () => ({ authorization: `Bearer ${need("SANDBOX_CONTROL_TOKEN")}` });

type Cookies = Awaited<ReturnType<ReturnType<Page["context"]>["cookies"]>>;
const sessions = new Map<Role, Cookies>();

/**
 * Signs in through the sign-in page the first time per role, then reuses the
 * session cookie. Only failed sign-ins are limited (5 a minute per account);
 * the loop is a safety net should a run ever meet the limit.
 */
export async function signIn(page: Page, role: Role, { fresh = false } = {}): Promise<void> {
  const saved = sessions.get(role);
  if (saved && !fresh) {
    await page.context().addCookies(saved);
    await page.goto("/jobs");
    if (!page.url().includes("/sign-in")) return;
    sessions.delete(role); // signed out meanwhile: sign in again
  }
  for (let attempt = 1; ; attempt++) {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(need(`E2E_${role.toUpperCase()}_EMAIL`));
    await page.getByLabel("Password").fill(need(`E2E_${role.toUpperCase()}_PASSWORD`));
    await page.getByRole("button", { name: "Sign in" }).click();
    const limited = page.getByText(/Too many failed sign-ins/);
    // Generous: a shared test machine can take a while to render the jobs page.
    await expect(page.getByRole("heading", { level: 1, name: "Fine-tuning jobs" }).or(limited)).toBeVisible({ timeout: 45_000 });
    if (!(await limited.isVisible())) break;
    if (attempt === 4) throw new Error(`signing in as ${role} stayed rate-limited`);
    await page.waitForTimeout(20_000); // part of the limiter's one-minute window
  }
  sessions.set(role, await page.context().cookies());
}

/**
 * Resolves once React has hydrated the element (its props are attached). A
 * link clicked while the page hydrates can be lost between React and Next's
 * router (the URL never changes); people click once the page responds, and so
 * do these tests.
 */
export async function hydrated(locator: Locator): Promise<Locator> {
  await expect
    .poll(() => locator.evaluate((element) => Object.keys(element).some((key) => key.startsWith("__reactProps$"))), { timeout: 30_000 })
    .toBe(true);
  return locator;
}

/** The typed tRPC client another service would use, with an API key of the role. */
export function apiAs(role: Role) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${need("E2E_BASE_URL")}/api/trpc`,
        headers: { authorization: `Bearer ${need(`E2E_API_KEY_${role.toUpperCase()}`)}` },
      }),
    ],
  });
}

export async function demoConnectionId(): Promise<string> {
  const connections = await apiAs("viewer").dbConnection.list.query();
  const demo = connections.find((c) => c.alias === "retail-warehouse");
  if (!demo) throw new Error("the demo connection retail-warehouse is missing");
  return demo.id;
}

/** A fresh job, created through the API and followed until the sandbox runs it. */
export async function makeRunningJob(alias = `e2e-${Date.now().toString(36)}`) {
  const api = apiAs("operator");
  const job = await api.finetuning.create.mutate({ db_connection_id: await demoConnectionId(), alias });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const now = await api.finetuning.get.query({ finetuning_id: job.id });
    if (now.status === "running") return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`job ${job.id} did not reach running within 30 s`);
}

export const test = base;
export { expect };

/**
 * The README's screenshots, taken by the tests that reach those screens:
 * written to docs/screenshots/ when E2E_SCREENSHOTS=1 (so that `npm test`
 * leaves the tree clean), to test-results/ otherwise.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.E2E_SCREENSHOTS === "1" ? "docs/screenshots" : "test-results/screenshots";
  await page.screenshot({ path: `${dir}/${name}.png` });
}

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules axe tags for 2.2 AA. */
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical
 * violation, naming the rule and the elements. `within`: only that part (an
 * open dialog, the page behind it being inert and checked already).
 */
export async function expectAccessible(page: Page, screen: string, within?: string): Promise<void> {
  // Legacy mode: axe runs in the page itself (no blank page opened to merge frames' results; the app has no iframes).
  const axe = new AxeBuilder({ page }).withTags(WCAG_22_AA).setLegacyMode(true);
  const { violations } = await (within ? axe.include(within) : axe).analyze();
  const blocking = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(blocking, `axe on ${screen}`).toEqual([]);
}

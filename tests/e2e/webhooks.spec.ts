import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { apiAs, expect, makeRunningJob, signIn, test } from "./fixtures";

// The "done when": an admin registers a receiver in the UI, a job is
// cancelled, and the signed delivery shows in the endpoint's log. The receiver
// is a real HTTP server on loopback (the run allows private addresses).
test("an admin registers a webhook receiver, a job is cancelled, and the signed delivery is in the log", async ({ page }) => {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/e2e`;
  try {
    await signIn(page, "admin");
    await page.goto("/settings/webhooks");
    await expect(page.getByRole("heading", { name: "Webhooks" })).toBeVisible();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await dialog.getByLabel("The signing secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await dialog.getByRole("button", { name: "Done" }).click();

    const job = await makeRunningJob(`e2e-webhook-${Date.now().toString(36)}`);
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    const isCancelOf = (body: string) => {
      const payload = JSON.parse(body) as { type: string; data: { job: { id: string } } };
      return payload.type === "job.cancelled" && payload.data.job.id === job.id;
    };
    await expect.poll(() => received.some((r) => isCancelOf(r.body)), { timeout: 30_000 }).toBe(true);
    const delivery = received.find((r) => isCancelOf(r.body));
    expect(() => new Webhook(secret).verify(delivery?.body ?? "", delivery?.headers ?? {})).not.toThrow();

    const card = page.getByRole("article", { name: `Endpoint ${url}` });
    await card.getByRole("button", { name: "Deliveries", exact: true }).click();
    const row = card.getByRole("row").filter({ hasText: delivery?.headers["webhook-id"] ?? "missing" });
    await expect(row).toContainText("job.cancelled", { timeout: 20_000 });
    await expect(row).toContainText("delivered");
    await expect(row).toContainText("200");
    await expect(row.getByRole("button", { name: /Replay/ })).toBeVisible();
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test("an admin adds a Slack endpoint: it offers only the events worth a message, and a cancel arrives as a Slack message", async ({
  page,
}) => {
  const received: string[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/e2e-slack`;
  try {
    await signIn(page, "admin");
    await page.goto("/settings/webhooks");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByRole("radio", { name: /Slack message/ }).check();
    const events = dialog.getByRole("group", { name: "Events" });
    await expect(events.getByRole("checkbox")).toHaveCount(5);
    await expect(events.getByRole("checkbox", { name: "job.created" })).toHaveCount(0);
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    await expect(dialog.getByRole("heading", { name: "Slack endpoint added" })).toBeVisible();
    await dialog.getByRole("button", { name: "Done" }).click();
    const card = page.getByRole("article", { name: `Endpoint ${url}` });
    await expect(card).toContainText("Slack message");
    await expect(card.getByRole("button", { name: "Rotate secret" })).toHaveCount(0);

    const alias = `e2e-slack-${Date.now().toString(36)}`;
    const job = await makeRunningJob(alias);
    await apiAs("operator").finetuning.cancel.mutate({ finetuning_id: job.id });
    const message = () =>
      received.map((body) => JSON.parse(body) as { text: string; blocks: unknown[] }).find((m) => m.text.includes(alias));
    await expect.poll(() => message()?.text ?? "", { timeout: 30_000 }).toContain(`The job was cancelled: ${alias} (cancelled)`);
    expect(message()?.text).toContain(`/jobs/${job.id}`);
    expect(message()?.blocks.length).toBeGreaterThan(0);
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});

import { apiAs, demoConnectionId, expect, signIn, test } from "./fixtures";

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.describe("creating jobs and importing golden records", () => {
  test("a job created in the New job dialog appears in the jobs table", async ({ page }) => {
    const alias = unique("e2e-dialog");
    const connectionId = await demoConnectionId();
    const total = (await apiAs("viewer").dbConnection.list.query()).find((c) => c.id === connectionId)?.golden_record_count ?? 0;
    await signIn(page, "operator");

    await page.getByRole("button", { name: "New job" }).click();
    const dialog = page.getByRole("dialog", { name: "New fine-tuning job" });
    await dialog.getByRole("button", { name: "Create job" }).click();
    await expect(dialog.getByText("Choose the database connection to train for.")).toBeVisible();

    await dialog.getByLabel("Database connection").selectOption({ label: "retail-warehouse" });
    await dialog.getByLabel("Name").fill(alias);
    await dialog.getByLabel("Base model").selectOption("gpt-4.1-mini-2025-04-14");
    await dialog.getByLabel("Epochs").fill("0");
    await expect(dialog.getByText("A whole number from 1 to 50, or blank for the default.")).toBeVisible();
    await dialog.getByLabel("Epochs").fill("2");

    // Too few chosen records is caught before the server is asked.
    await dialog.getByRole("radio", { name: "Choose records" }).check();
    const checklist = dialog.getByRole("list", { name: "Golden records to train on" });
    await checklist.getByRole("checkbox").nth(0).check();
    await checklist.getByRole("checkbox").nth(1).check();
    await expect(dialog.getByText("Choose at least 10 golden records (OpenAI’s minimum); 2 chosen.")).toBeVisible();
    await dialog.getByRole("radio", { name: `All ${total} of this connection` }).check();
    await expect(dialog.getByText(/Choose at least 10/)).toBeHidden();

    await dialog.getByRole("button", { name: "Add metadata" }).click();
    await dialog.getByLabel("Metadata key 1").fill("ticket");
    await dialog.getByLabel("Metadata value 1").fill("ML-42");
    await dialog.getByRole("button", { name: "Create job" }).click();

    await expect(dialog).toBeHidden();
    await expect(page.getByText(`Created ${alias}`)).toBeVisible();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: alias }) });
    await expect(row).toBeVisible();
    await expect(row.getByRole("status")).toBeVisible();

    const job = (await apiAs("viewer").finetuning.list.query({ limit: 100 })).items.find((j) => j.alias === alias);
    expect(job).toMatchObject({
      db_connection_id: connectionId,
      base_llm: { model_name: "gpt-4.1-mini-2025-04-14", model_parameters: { n_epochs: 2 } },
      metadata: { ticket: "ML-42" },
    });
    expect(job?.golden_records).toHaveLength(total);
  });

  test("golden records imported from a CSV file show a report, and the count goes up", async ({ page }) => {
    const alias = unique("e2e-import");
    await signIn(page, "operator");
    await page.goto("/connections");

    await page.getByRole("button", { name: "Add connection" }).click();
    const add = page.getByRole("dialog", { name: "Add a database connection" });
    await add.getByRole("button", { name: "Add connection" }).click();
    await expect(add.getByText("Give the connection an alias.")).toBeVisible();
    await add.getByLabel("Alias").fill(alias);
    await add.getByLabel("Dialect").selectOption("postgresql");
    await add.getByLabel("Schema").fill("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, created_at timestamptz);");
    await add.getByRole("button", { name: "Add connection" }).click();
    await expect(add).toBeHidden();

    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: alias, exact: true }) });
    await expect(row.getByRole("cell", { name: "0", exact: true })).toBeVisible();
    await row.getByRole("button", { name: "Import golden records" }).click();

    const dialog = page.getByRole("dialog", { name: `Import golden records into ${alias}` });
    const csv = [
      "question,sql",
      "How many orders are there?,SELECT count(*) FROM orders",
      '"Revenue, by day?","SELECT created_at::date, sum(total)',
      'FROM orders GROUP BY 1"',
      ",SELECT 1",
      "What is the largest order?,SELECT max(total) FROM orders",
    ].join("\r\n");
    await dialog.getByLabel("File").setInputFiles({ name: "golden.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(dialog.getByRole("radio", { name: /CSV/ })).toBeChecked();
    await dialog.getByRole("button", { name: "Import", exact: true }).click();

    await expect(dialog.getByRole("status")).toHaveText("3 imported, 1 rejected");
    const rejected = dialog.getByRole("table", { name: "Rejected lines" });
    await expect(rejected.getByRole("row").filter({ hasText: "question is empty" })).toContainText("5");
    await dialog.getByRole("button", { name: "Done" }).click();

    await expect(row.getByRole("cell", { name: "3", exact: true })).toBeVisible();
    const connection = (await apiAs("viewer").dbConnection.list.query()).find((c) => c.alias === alias);
    expect(connection?.golden_record_count).toBe(3);
  });

  test("viewers see the lists but no way to create or import", async ({ page }) => {
    await signIn(page, "viewer");
    await expect(page.getByRole("table")).toBeVisible();
    await expect(page.getByRole("button", { name: "New job" })).toHaveCount(0);
    await page.goto("/connections");
    await expect(page.getByRole("rowheader", { name: "retail-warehouse" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Add connection" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Import golden records" })).toHaveCount(0);
  });
});

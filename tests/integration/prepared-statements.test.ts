import "../helpers/env";
import { describe, expect, it } from "vitest";
import { db } from "../../server/db";

describe("the product's database client", () => {
  it("prepares its statements once per connection, so Postgres reuses their plans", async () => {
    const marker = `prepared-${Date.now()}`;
    for (let i = 0; i < 3; i++) await db().$queryRaw`SELECT ${marker}::text AS marker`;
    // Sequential queries take the pool's most recently released connection: the one that prepared it.
    const rows = await db().$queryRaw<
      { statement: string }[]
    >`SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::text AS marker%'`;
    expect(rows.length).toBe(1);
  });
});

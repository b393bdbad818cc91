import { describe, expect, it } from "vitest";
import type { SqlQuery } from "@prisma/driver-adapter-utils";
import { boundedStatementNames } from "../../server/db/statement-names";

const query = (sql: string) => ({ sql, args: [], argTypes: [] }) as unknown as SqlQuery;

describe("prepared statement names for Prisma's pg adapter", () => {
  it("gives one SQL text one name, and different texts different names", () => {
    const name = boundedStatementNames();
    const a = name(query("SELECT 1"));
    expect(a).not.toBe("");
    expect(name(query("SELECT 1"))).toBe(a);
    expect(name(query("SELECT 2"))).not.toBe(a);
  });

  it("leaves texts past the bound unnamed (pg's unnamed statement), while the named ones keep their names", () => {
    const name = boundedStatementNames(2);
    const first = name(query("SELECT 1"));
    name(query("SELECT 2"));
    expect(name(query("SELECT 3"))).toBe("");
    expect(name(query("SELECT 3"))).toBe("");
    expect(name(query("SELECT 1"))).toBe(first);
  });
});

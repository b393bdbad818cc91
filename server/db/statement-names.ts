import type { SqlQuery } from "@prisma/driver-adapter-utils";

// Prisma's pg adapter sends unnamed statements, so Postgres parses and plans
// every query on every call; on cancel's hot path that planning was a third
// of Postgres's CPU per request (docs/BENCHMARKS.md). A name makes `pg`
// prepare the statement once per connection and reuse it (and Postgres its
// plan). The same text always gets the same name in a process; past
// MAX_NAMED distinct texts (queries built with a variable number of values,
// say) the rest stay unnamed, so no connection collects statements without bound.

export const MAX_NAMED_STATEMENTS = 2_000;

/** A statement-name generator for PrismaPg: stable per SQL text, bounded in count. */
// An empty name is pg's unnamed statement.
export function boundedStatementNames(max = MAX_NAMED_STATEMENTS): (query: SqlQuery) => string {
  const names = new Map<string, string>();
  return (query) => {
    const known = names.get(query.sql);
    if (known !== undefined) return known;
    if (names.size >= max) return "";
    const name = `cr${names.size}`;
    names.set(query.sql, name);
    return name;
  };
}

// How many SQL statements Postgres runs per call, read from its own log.
import type pg from "pg";
import { sleep } from "./lib";

/** SQL statements Postgres executes per call, from log_statement=all over `calls` sequential calls. */
export async function countStatements(admin: pg.Client, pgLog: string[], calls: number, call: (i: number) => Promise<unknown>) {
  await admin.query("ALTER SYSTEM SET log_statement = 'all'");
  await admin.query("SELECT pg_reload_conf()");
  await sleep(300);
  const mark = pgLog.length;
  const marker = `bench-marker-${Date.now()}`;
  await admin.query(`SELECT '${marker}-start'`);
  for (let i = 0; i < calls; i++) await call(i);
  await admin.query(`SELECT '${marker}-end'`);
  await sleep(300);
  await admin.query("ALTER SYSTEM RESET log_statement");
  await admin.query("SELECT pg_reload_conf()");
  const lines = pgLog.slice(mark);
  const from = lines.findIndex((l) => l.includes(`${marker}-start`));
  const to = lines.findIndex((l) => l.includes(`${marker}-end`));
  const window = lines.slice(from + 1, to < 0 ? undefined : to);
  const pattern = /LOG:\s+(statement|execute [^:]*):/;
  const statements = window.filter((l) => pattern.test(l));
  const kinds = new Map<string, number>();
  window.forEach((line, i) => {
    if (!pattern.test(line)) return;
    // A statement that starts with a newline continues on the next log line.
    let sql = line.replace(/^.*LOG:\s+(statement|execute [^:]*):\s*/, "").trim() || (window[i + 1] ?? "").trim();
    sql = sql.replace(/\s+/g, " ").slice(0, 70);
    kinds.set(sql, (kinds.get(sql) ?? 0) + 1);
  });
  return {
    perCall: statements.length / calls,
    statements: [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([sql, n]) => ({ sql, perCall: n / calls })),
  };
}

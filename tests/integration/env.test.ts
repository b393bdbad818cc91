import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema, launchEnv } from "../../server/env";

// Every environment variable is parsed by server/env.ts, and the README's
// configuration table lists exactly those, with their defaults.

const ROOT = path.resolve(import.meta.dirname, "../..");
const schemaNames = Object.keys(envSchema.shape).sort();

type Row = { names: string[]; defaults: string };

async function readmeRows(): Promise<Row[]> {
  const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split("\n## Configuration")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const [names = "", defaults = ""] = line.split(" | ").map((cell) => cell.replace(/^\| /, ""));
      return { names: [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ""), defaults };
    });
}

/** The schema's default for a variable, or undefined when it has none. */
function schemaDefault(name: string): unknown {
  const field = envSchema.shape[name as keyof typeof envSchema.shape];
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
  return (
    entries
      // TypeScript only: scripts/postinstall.mjs runs at install time, before there is a schema to import.
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.parentPath.includes("generated"))
      .map((e) => path.join(e.parentPath, e.name))
  );
}

describe("configuration", () => {
  it("the README's table lists exactly the variables server/env.ts parses", async () => {
    const rows = await readmeRows();
    expect(rows.flatMap((row) => row.names).sort()).toEqual(schemaNames);
  });

  it("the README's defaults are the schema's", async () => {
    const mismatches: string[] = [];
    for (const row of await readmeRows()) {
      const cells = row.defaults.split(/, /);
      if (cells.length !== row.names.length) continue; // one description for several variables
      row.names.forEach((name, i) => {
        const value = schemaDefault(name);
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return;
        if (value === "") return;
        if (!(cells[i] ?? "").startsWith(String(value))) mismatches.push(`${name}: README says "${cells[i]}", the schema ${String(value)}`);
      });
    }
    expect(mismatches).toEqual([]);
  });

  it("docs/DEPLOY.md says what each variable means in production", async () => {
    const deploy = await readFile(path.join(ROOT, "docs", "DEPLOY.md"), "utf8");
    expect(schemaNames.filter((name) => !deploy.includes(`\`${name}\``))).toEqual([]);
  });

  it("the product reads no variable outside the schema", async () => {
    const files = [...(await sourceFiles("server")), ...(await sourceFiles("scripts"))];
    const read = new Set<string>();
    for (const file of files) {
      for (const match of (await readFile(file, "utf8")).matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g))
        read.add(`${match[1]} (${path.relative(ROOT, file)})`);
    }
    const unknown = [...read].filter((entry) => !schemaNames.includes(entry.split(" ")[0] ?? ""));
    expect(unknown).toEqual([]);
  });

  it("a bad setting stops the launcher with the variable's name", () => {
    const saved = process.env.WORKER_CONCURRENCY;
    process.env.WORKER_CONCURRENCY = "many";
    try {
      expect(() => launchEnv()).toThrow(/WORKER_CONCURRENCY/);
    } finally {
      if (saved === undefined) delete process.env.WORKER_CONCURRENCY;
      else process.env.WORKER_CONCURRENCY = saved;
    }
    const timings = process.env.SANDBOX_TIMINGS;
    process.env.SANDBOX_TIMINGS = "{runningMs: 5}";
    try {
      expect(() => launchEnv()).toThrow(/must be JSON[\s\S]*SANDBOX_TIMINGS/);
    } finally {
      if (timings === undefined) delete process.env.SANDBOX_TIMINGS;
      else process.env.SANDBOX_TIMINGS = timings;
    }
  });
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// What a browser bundle may hold of server/: the zod contract (schema.ts and
// *-schema.ts) and what those import. Everything a "use client" file reaches
// by value imports (type imports are erased) is walked: a module outside
// server/ may import only schema modules from it, and no module reached may be
// marked `import "server-only"` (the database, auth, the provider, the
// services, the environment). Next's build fails on the second too; this
// finds it in seconds and names the chain. A "use server" module (a server
// action) reaches the browser as a reference only, so the walk stops there.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCHEMA_MODULE = /^server\/(?:[\w-]+\/)*(?:[\w-]+-)?schema\.ts$/;
const SOURCE = /\.(ts|tsx)$/;

const config = ts.parseJsonConfigFileContent(
  ts.readConfigFile(path.join(ROOT, "tsconfig.json"), (file) => ts.sys.readFile(file)).config,
  ts.sys,
  ROOT,
);

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function directive(file: string): string | null {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const first = source.statements[0];
  return first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) ? first.expression.text : null;
}

/** The specifiers a module imports by value: what is left after TypeScript erases the type-only imports. */
function valueImports(code: string, fileName: string): string[] {
  const { outputText } = ts.transpileModule(code, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, jsx: ts.JsxEmit.Preserve, isolatedModules: true },
  });
  return ts.preProcessFile(outputText, true, true).importedFiles.map((imported) => imported.fileName);
}

function resolveInRepo(specifier: string, from: string): string | null {
  const resolved = ts.resolveModuleName(specifier, from, config.options, ts.sys).resolvedModule;
  if (!resolved || resolved.isExternalLibraryImport) return null;
  const file = path.resolve(resolved.resolvedFileName);
  return file.startsWith(ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`) ? file : null;
}

type Reached = { via: string | null };

function clientGraph(entries: string[]): { reached: Map<string, Reached>; problems: string[] } {
  const reached = new Map<string, Reached>(entries.map((file) => [file, { via: null }]));
  const problems: string[] = [];
  const chain = (file: string): string => {
    const names = [];
    for (let at: string | null = file; at; at = reached.get(at)?.via ?? null) names.unshift(rel(at));
    return names.join(" → ");
  };
  const queue = [...entries];
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const specifier of valueImports(readFileSync(file, "utf8"), file)) {
      if (specifier === "server-only") {
        problems.push(`${chain(file)} is marked server-only but reaches a browser bundle`);
        continue;
      }
      const target = resolveInRepo(specifier, file);
      if (!target || directive(target) === "use server") continue;
      if (!rel(file).startsWith("server/") && rel(target).startsWith("server/") && !SCHEMA_MODULE.test(rel(target))) {
        problems.push(`${chain(file)} imports ${rel(target)}: client code may import only schema modules from server/`);
      }
      if (!reached.has(target)) {
        reached.set(target, { via: file });
        queue.push(target);
      }
    }
  }
  return { reached, problems };
}

describe('"use client" files', () => {
  const entries = [...sourceFiles("app"), ...sourceFiles("server")].filter((file) => directive(file) === "use client");
  const { reached, problems } = clientGraph(entries);

  it("are found, and their imports walked", () => {
    expect(entries.length).toBeGreaterThan(10);
    expect([...reached.keys()].map(rel)).toContain("server/finetuning/schema.ts");
  });

  it("reach only schema modules of server/, and nothing marked server-only", () => {
    expect(problems).toEqual([]);
  });
});

describe("the walk itself", () => {
  it("sees through type-only imports and catches a value import", () => {
    const fixture = path.join(ROOT, "app", "example.tsx"); // need not exist
    const specifiers = (code: string) => valueImports(code, fixture);
    expect(
      specifiers(`import type { Db } from "@/server/db"; import { type Actor } from "@/server/auth/actor"; let a: Db | Actor;`),
    ).toEqual([]);
    expect(specifiers(`import { db } from "@/server/db"; db();`)).toEqual(["@/server/db"]);
    expect(resolveInRepo("@/server/db", fixture)).toBe(path.join(ROOT, "server", "db", "index.ts"));
    expect(SCHEMA_MODULE.test("server/finetuning/cancel-many-schema.ts")).toBe(true);
    expect(SCHEMA_MODULE.test("server/auth/actor.ts")).toBe(false);
  });
});

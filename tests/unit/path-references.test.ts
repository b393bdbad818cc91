import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Every repository path that code, comments or documents name must exist: a
// comment pointing at a file that moved misleads more than no comment. A path
// counts when it starts with one of the repository's top-level folders
// (server/…, tests/…), with or without its extension, or, in a comment or a
// Markdown link, with ./ or ../ (then it is read from the naming file's
// folder). URLs, module specifiers (TypeScript checks those) and what
// .gitignore lists (generated output, local data) are not checked.

const ROOT = path.resolve(import.meta.dirname, "../..");
const TEXT_FILE = /\.(ts|tsx|js|mjs|cjs|md|json|prisma|sql|css|ya?ml)$/;
// This file names missing paths on purpose, to show what is caught.
const NOT_SCANNED = new Set(["package-lock.json", "tests/unit/path-references.test.ts"]);
const EXTENSIONS = ["", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts", ".md", ".json", "/index.ts", "/index.tsx", "/index.js"];

/** .gitignore's patterns as tests on a repository path (enough for the simple patterns this repository uses). */
function ignoredBy(gitignore: string): (relPath: string) => boolean {
  const patterns = gitignore
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#") && !line.startsWith("!"))
    .map((line) => {
      const anchored = line.startsWith("/") || line.replace(/\/$/, "").includes("/");
      const body = line
        .replace(/^\//, "")
        .replace(/\/$/, "")
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*");
      return new RegExp(`${anchored ? "^" : "(^|/)"}${body}(/|$)`);
    });
  return (relPath) => patterns.some((pattern) => pattern.test(relPath));
}

const isIgnored = ignoredBy(readFileSync(path.join(ROOT, ".gitignore"), "utf8"));

function repoFiles(dir = ""): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name === ".git" || isIgnored(rel)) return [];
    return entry.isDirectory() ? repoFiles(rel) : [rel];
  });
}

const FILES = repoFiles();
const TOP_FOLDERS = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !isIgnored(entry.name))
  .map((entry) => entry.name);

// A candidate: a top-level folder or ./ ../ not preceded by a character that
// would make it part of a URL, a longer path or a word.
const CANDIDATE = new RegExp(`(?<![\\w./@:~$|-])((?:${TOP_FOLDERS.join("|")})/|\\.\\.?/)[\\w@.\\-\\[\\]/{},*…]*`, "g");

/** Cuts what surrounds a path in prose: trailing punctuation, an ellipsis, a comma-separated list, an unopened bracket. */
function trimCandidate(raw: string): string {
  let out = "";
  let braces = 0;
  for (const ch of raw) {
    if (ch === "{") braces++;
    if (ch === "}") braces--;
    if ((ch === "," && braces === 0) || braces < 0 || ch === "…") break;
    out += ch;
  }
  for (;;) {
    const before = out;
    out = out.replace(/\.{2,}$/, "").replace(/[.,:;]$/, "");
    if (out.endsWith("]") && (out.match(/\[/g) ?? []).length < (out.match(/\]/g) ?? []).length) out = out.slice(0, -1);
    if (out === before) return out;
  }
}

/** `a/{b,c}.ts` → `a/b.ts`, `a/c.ts`. */
function expandBraces(p: string): string[] {
  const match = /\{([^{}]*)\}/.exec(p);
  if (!match) return [p];
  return match[1]!.split(",").flatMap((part) => expandBraces(p.slice(0, match.index) + part + p.slice(match.index + match[0].length)));
}

/** `*` is any name, `**` any depth of folders. */
function globExists(pattern: string): boolean {
  const escape = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  const re = new RegExp(
    `^${pattern
      .split(/\*\*\/?/)
      .map(escape)
      .join("(?:.*/)?")}`,
  );
  return FILES.some((file) => re.test(file));
}

function exists(relPath: string): boolean {
  if (relPath.includes("*")) return globExists(relPath);
  return EXTENSIONS.some((ext) => existsSync(path.join(ROOT, relPath + ext)));
}

type DanglingReference = { file: string; line: number; reference: string };

const MODULE_SPECIFIER = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`]$/;
const MARKDOWN_LINK = /\]\($/;
const COMMENT = /(?:^\s*\*|\/\/|\/\*)/;

/** Whether a candidate at this place in a line is meant as a path (a relative one only in a comment or a Markdown link). */
function namesAPath(file: string, before: string, relative: boolean): boolean {
  if (MODULE_SPECIFIER.test(before)) return false;
  if (!relative) return true;
  if (file.endsWith(".md")) return MARKDOWN_LINK.test(before);
  return !file.endsWith(".json") && COMMENT.test(before);
}

/** The dangling references in one file's text. */
function danglingReferences(file: string, text: string): DanglingReference[] {
  const out: DanglingReference[] = [];
  text.split("\n").forEach((lineText, index) => {
    for (const match of lineText.matchAll(CANDIDATE)) {
      const reference = trimCandidate(match[0]);
      if (/^\.\.?\/$/.test(reference) || reference.endsWith("/.")) continue;
      if (!namesAPath(file, lineText.slice(0, match.index), reference.startsWith("."))) continue;
      for (const expanded of expandBraces(reference)) {
        const relative = expanded.startsWith(".");
        const resolved = relative
          ? path
              .relative(ROOT, path.resolve(ROOT, path.dirname(file), expanded))
              .split(path.sep)
              .join("/")
          : expanded;
        if (!relative && isIgnored(resolved)) continue;
        if (relative && (resolved.startsWith("..") || path.isAbsolute(resolved))) {
          out.push({ file, line: index + 1, reference: `${expanded} (outside the repository)` });
          continue;
        }
        if (relative && isIgnored(resolved)) continue;
        if (!exists(resolved)) out.push({ file, line: index + 1, reference: expanded });
      }
    }
  });
  return out;
}

const SCANNED = FILES.filter(
  (file) =>
    TEXT_FILE.test(file) &&
    !NOT_SCANNED.has(file) &&
    !NOT_SCANNED.has(path.basename(file)) &&
    statSync(path.join(ROOT, file)).size < 2_000_000,
);

describe("paths named in code, comments and documents", () => {
  it("scans the sources and the documents", () => {
    for (const file of [
      "server/errors.ts",
      "app/layout.tsx",
      "docs/ARCHITECTURE.md",
      "README.md",
      "next.config.js",
      "prisma/schema.prisma",
    ]) {
      expect(SCANNED).toContain(file);
    }
    expect(SCANNED.some((file) => file.startsWith("node_modules/") || file.startsWith("server/generated/"))).toBe(false);
  });

  it("all exist in the repository", () => {
    const dangling = SCANNED.flatMap((file) => danglingReferences(file, readFileSync(path.join(ROOT, file), "utf8")));
    expect(dangling.map((d) => `${d.file}:${d.line} names ${d.reference}`)).toEqual([]);
  });
});

describe("what counts as a path", () => {
  const names = (text: string, file = "server/finetuning/cancel.ts") => danglingReferences(file, text).map((d) => d.reference);

  it("catches a missing file, with or without its extension, in code, prose and lists", () => {
    expect(names("// see server/guardrails/act.ts")).toEqual(["server/guardrails/act.ts"]);
    expect(names("Read `tests/security/headers.test.ts`.")).toEqual(["tests/security/headers.test.ts"]);
    expect(names('spawn(process.execPath, ["--import", "tsx", "scripts/no-such-script"]);')).toEqual(["scripts/no-such-script"]);
    expect(names("server/trpc/routers/finetuning/{index,nope}.ts")).toEqual(["server/trpc/routers/finetuning/nope.ts"]);
    expect(names("// (./no-such-sibling.ts)")).toEqual(["./no-such-sibling.ts"]);
    expect(names("// see ../../../shared/CONTRACT.md")).toEqual(["../../../shared/CONTRACT.md (outside the repository)"]);
    expect(names("[the contract](../shared/CONTRACT.md)", "README.md")).toEqual(["../shared/CONTRACT.md (outside the repository)"]);
    expect(names("tests/e2e/*.nope.ts")).toEqual(["tests/e2e/*.nope.ts"]);
    expect(names("tests/**/*.nope.ts")).toEqual(["tests/**/*.nope.ts"]);
  });

  it("accepts what exists, and leaves URLs, packages and generated output alone", () => {
    expect(names("server/errors.ts, server/finetuning/schema and server/guardrails/.")).toEqual([]);
    expect(names("app/api/v1/[...path]/route.ts and server/trpc/routers/finetuning/{index,jobs}.ts")).toEqual([]);
    expect(names("// (./sync.ts) ../errors tests/e2e/*.spec.ts tests/**/cancel.test.ts")).toEqual([]);
    expect(names('import { defineConfig } from "prisma/config"; const glue = { "./no-such-wasm-glue.js": 1 };')).toEqual([]);
    expect(names("cd ../billing-svc && npm install ../client.tgz", "README.md")).toEqual([]);
    expect(names("expect(text).not.toMatch(/node_modules|prisma/i);")).toEqual([]);
    expect(names("https://github.com/example/server/nope.ts and @scope/server/nope")).toEqual([]);
    expect(names("server/generated/prisma/nope.ts server/client/dist/nope.js")).toEqual([]);
  });
});

import "../helpers/env";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../server/db";
import { stopQueue } from "../../server/worker/queue";
import { makeConnection, makeJob } from "../helpers/factories";
import { apiKey, startRestServer, type RestServer } from "../helpers/rest";

// The client as another team gets it: built (npm run build:client), packed
// with `npm pack` from server/client, installed from the tarball into a project in a temporary
// folder, type-checked there under NodeNext and Bundler, and run against the
// real API with plain node (the system's and the project's own), tsx and an
// esbuild bundle.

const root = path.resolve(import.meta.dirname, "../..");
const bin = (name: string) => path.join(root, "node_modules/.bin", name);
const run = promisify(execFile);
const PACKAGE = "@finetuning-control-room/client";

let work: string;
let service: string;
let api: RestServer;
let operator: string;
let nodeNextBuild: Promise<unknown> | undefined;

/** The service compiled under NodeNext into dist/, once for every test that runs it. */
const compileNodeNext = () => (nodeNextBuild ??= sh(bin("tsc"), ["-p", "tsconfig.nodenext.json"]));

function sh(file: string, args: string[], cwd = service, env: Record<string, string> = {}) {
  return run(file, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
}

/** The compiler's output for code that must not compile. */
async function compileErrors(args: string[]): Promise<string> {
  const outcome = await sh(bin("tsc"), args).then(
    () => null,
    (error: unknown) => error as { code: number; stdout: string },
  );
  expect(outcome, "expected the wrong code not to compile").not.toBeNull();
  return outcome?.stdout ?? "";
}

/** A Node found on PATH outside this project (the machine's own), or undefined. */
async function systemNode(): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !dir.startsWith(root) && !dir.includes("node_modules"));
  const found = await run("sh", ["-c", "command -v node"], { env: { ...process.env, PATH: dirs.join(path.delimiter) } }).catch(() => null);
  return found?.stdout.trim() || undefined;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "controlroom-consumer-"));
  await sh("npm", ["run", "--silent", "build:client"], root);
  const { stdout } = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], path.join(root, "server/client"));
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  await writeFile(path.join(work, "files.json"), JSON.stringify(packed.files.map((f) => f.path)));

  service = path.join(work, "service");
  await cp(path.join(import.meta.dirname, "service"), service, { recursive: true });
  const manifest = {
    name: "consumer-service",
    private: true,
    type: "module",
    dependencies: { [PACKAGE]: `file:../${packed.filename}`, "@types/node": "^24.0.0" },
  };
  await writeFile(path.join(service, "package.json"), JSON.stringify(manifest, null, 2));
  await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);

  api = await startRestServer();
  operator = await apiKey("operator", "consumer-test");
});

afterAll(async () => {
  await api?.close();
  await stopQueue();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed client", () => {
  it("holds the built files only, and its declarations name nothing of the server", async () => {
    const files = JSON.parse(await readFile(path.join(work, "files.json"), "utf8")) as string[];
    expect(files.sort()).toEqual(
      expect.arrayContaining(["package.json", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts"]),
    );
    expect(files.filter((f) => !f.startsWith("dist/") && f !== "package.json")).toEqual([]);
    const installed = path.join(service, "node_modules", PACKAGE);
    const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@trpc/client", "@trpc/server", "eventsource"]);
    for (const file of ["dist/index.d.ts", "dist/index.d.cts"]) {
      const declarations = await readFile(path.join(installed, file), "utf8");
      const specifiers = [...declarations.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(specifiers.length).toBeGreaterThan(0);
      expect(specifiers.filter((s) => !s?.startsWith("@trpc/"))).toEqual([]);
      expect(declarations).toContain("cancel: TRPCMutationProcedure<");
    }
  });

  it("type-checks a correct service under NodeNext and Bundler", async () => {
    await compileNodeNext();
    await sh(bin("tsc"), ["-p", "tsconfig.bundler.json"]);
  });

  for (const [resolution, flags] of [
    ["NodeNext", ["--module", "nodenext", "--moduleResolution", "nodenext"]],
    ["Bundler", ["--module", "esnext", "--moduleResolution", "bundler"]],
  ] as const) {
    it(`refuses a wrong input field and a misspelt procedure under ${resolution}`, async () => {
      const errors = await compileErrors([
        "--noEmit",
        "--strict",
        "--skipLibCheck",
        "--target",
        "es2022",
        "--types",
        "node",
        ...flags,
        "wrong/wrong-field.ts",
        "wrong/misspelt-procedure.ts",
      ]);
      const lines = errors.split("\n").filter((line) => line.includes("error TS"));
      expect(lines.sort()).toEqual([
        expect.stringMatching(
          /^wrong\/misspelt-procedure\.ts\(4,\d+\): error TS\d+: Property 'cancell' does not exist .*Did you mean 'cancel'\?/,
        ),
        expect.stringMatching(
          /^wrong\/wrong-field\.ts\(4,\d+\): error TS\d+: .*'finetuning_idd' does not exist in type '\{ finetuning_id: string;/,
        ),
      ]);
    });
  }
});

describe("a service using it against the real API", () => {
  type Step = { step: string; value: unknown };

  async function runService(command: string, args: string[]): Promise<Map<string, unknown>> {
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const running = await makeJob(db(), { status: "running", dbConnectionId: connection.id });
    const finished = await makeJob(db(), { status: "succeeded", dbConnectionId: connection.id });
    const { stdout } = await sh(command, [...args, connection.id, running.id, finished.id], service, {
      CONTROL_ROOM_URL: api.origin,
      CONTROL_ROOM_API_KEY: operator,
    });
    const steps = new Map(
      stdout
        .trim()
        .split("\n")
        .map((line) => {
          const { step, value } = JSON.parse(line) as Step;
          return [step, value] as const;
        }),
    );
    expect(steps.get("list")).toEqual(
      expect.arrayContaining([
        { id: running.id, status: "running" },
        { id: finished.id, status: "succeeded" },
      ]),
    );
    expect(steps.get("cancel")).toEqual({ id: running.id, status: "cancelled", metadata: { reason: "consumer service" } });
    expect(steps.get("conflict")).toMatchObject({ code: "CONFLICT", httpStatus: 409, procedure: "finetuning.cancel" });
    expect(steps.get("change")).toEqual({ id: running.id, status: "cancelled" });
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: running.id } })).status).toBe("cancelled");
    expect((await db().finetuningJob.findUniqueOrThrow({ where: { id: finished.id } })).status).toBe("succeeded");
    return steps;
  }

  it("lists, cancels, gets CONFLICT and sees the change with plain node (the project's Node 24)", async () => {
    await compileNodeNext();
    await runService(bin("node"), ["dist/service.js"]);
  });

  it("does the same with the machine's own node (Node 20+), when there is one", async ({ skip }) => {
    const node = await systemNode();
    if (!node) return skip("no node on PATH besides the project's own");
    await compileNodeNext();
    await runService(node, ["dist/service.js"]);
  });

  it("does the same from TypeScript source with tsx", async () => {
    await runService(bin("tsx"), ["src/service.ts"]);
  });

  it("does the same bundled by esbuild", async () => {
    await sh(bin("esbuild"), [
      "src/service.ts",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      "--outfile=bundle/service.mjs",
      "--log-level=warning",
    ]);
    await runService(bin("node"), ["bundle/service.mjs"]);
  });

  it("works from CommonJS through require", async () => {
    await compileNodeNext();
    const { connection } = await makeConnection(db(), { goldenRecords: 0 });
    const job = await makeJob(db(), { dbConnectionId: connection.id });
    const { stdout } = await sh(bin("node"), ["dist/require-service.cjs", connection.id], service, {
      CONTROL_ROOM_URL: api.origin,
      CONTROL_ROOM_API_KEY: operator,
    });
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Step);
    expect(lines).toEqual([
      { step: "list", value: [job.id] },
      { step: "not-found", value: "NOT_FOUND" },
    ]);
  });
});

// Standalone sandbox: `tsx server/provider/sandbox/main.ts --port 4010`.
// Optional: --running-ms <n|Infinity> and friends to change the default timings;
// --database-url keeps the state in that Postgres (schema "sandbox") instead of memory;
// --control-token (or SANDBOX_CONTROL_TOKEN) sets the /_sandbox/* token, else one is made and written to
// --token-file (default .data/sandbox-standalone-token, mode 0600): never printed, as output ends up in logs.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { launchEnv } from "../../env";
import { guardLogStreams } from "../../launch/log-streams";
import { EXIT, planShutdown } from "../../launch/shutdown";
import { startSandbox, type SandboxTimings } from "./index";

guardLogStreams();

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    "file-processing-ms": { type: "string" },
    "validating-ms": { type: "string" },
    "queued-ms": { type: "string" },
    "running-ms": { type: "string" },
    "database-url": { type: "string" },
    "control-token": { type: "string" },
    "token-file": { type: "string", default: path.join(".data", "sandbox-standalone-token") },
  },
  strict: true,
});

function ms(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  return raw === "Infinity" || raw === "never" ? Infinity : Number(raw);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`Invalid --port ${values.port}`);
  process.exit(2);
}

const timings: Partial<SandboxTimings> = {};
const pairs = [
  ["fileProcessingMs", values["file-processing-ms"]],
  ["validatingMs", values["validating-ms"]],
  ["queuedMs", values["queued-ms"]],
  ["runningMs", values["running-ms"]],
] as const;
for (const [key, raw] of pairs) {
  const value = ms(raw);
  if (value !== undefined) timings[key] = value;
}

const givenToken = values["control-token"] ?? process.env.SANDBOX_CONTROL_TOKEN;
const sandbox = await startSandbox({
  port,
  timings,
  databaseUrl: values["database-url"],
  controlToken: givenToken,
});
console.log(`OpenAI sandbox listening on ${sandbox.url} (${sandbox.durable ? "state in Postgres" : "state in memory"})`);
if (givenToken) {
  console.log(`Control API: ${sandbox.origin}/_sandbox/ with Authorization: Bearer <the token you gave>`);
} else {
  const tokenFile = path.resolve(values["token-file"]);
  await mkdir(path.dirname(tokenFile), { recursive: true });
  await writeFile(tokenFile, `${sandbox.controlToken}\n`, { mode: 0o600 });
  await chmod(tokenFile, 0o600);
  console.log(`Control API: ${sandbox.origin}/_sandbox/ with Authorization: Bearer <the token in ${tokenFile}>`);
}

const shutdown = planShutdown({
  timeoutMs: launchEnv().SHUTDOWN_TIMEOUT_MS,
  stages: () => [{ name: "the sandbox", run: () => sandbox.close() }],
  onDeadline: () => Promise.resolve(),
});
function stop(signal: string): void {
  if (shutdown.stopping) return;
  console.log(`OpenAI sandbox: ${signal}, closing`);
  void shutdown.stop(EXIT.stopped);
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

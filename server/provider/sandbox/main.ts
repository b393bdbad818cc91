// Standalone sandbox: `tsx server/provider/sandbox/main.ts --port 4010`.
// Optional: --running-ms <n|Infinity> and friends to change the default timings;
// --database-url keeps the state in that Postgres (schema "sandbox") instead of memory;
// --control-token (or SANDBOX_CONTROL_TOKEN) sets the /_sandbox/* token, else one is made and printed.
import { parseArgs } from "node:util";
import { startSandbox, type SandboxTimings } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    "file-processing-ms": { type: "string" },
    "validating-ms": { type: "string" },
    "queued-ms": { type: "string" },
    "running-ms": { type: "string" },
    "database-url": { type: "string" },
    "control-token": { type: "string" },
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

const sandbox = await startSandbox({
  port,
  timings,
  databaseUrl: values["database-url"],
  controlToken: values["control-token"] ?? process.env.SANDBOX_CONTROL_TOKEN,
});
console.log(`OpenAI sandbox listening on ${sandbox.url} (${sandbox.durable ? "state in Postgres" : "state in memory"})`);
console.log(`Control API: ${sandbox.origin}/_sandbox/ with Authorization: Bearer ${sandbox.controlToken}`);

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`OpenAI sandbox: ${signal}, closing`);
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

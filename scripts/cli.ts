// `npm run --silent cli -- <command>`: admin tasks from a shell.
//   api-key create --name NAME --role viewer|operator|admin   prints the key, and only the key, on stdout
//   api-key revoke --id ID
//   api-key list
//   user create --email E --password P|- --role viewer|operator|admin [--name N]   (- reads the password from stdin)
import { parseArgs } from "node:util";
import { z } from "zod";
import { ensureAuthSecret, migrate, openDatabase } from "../server/launch/bootstrap";
import { ROLES } from "../server/auth/actor";
import { passwordProblem } from "../server/auth/password-policy";

const USAGE = `usage:
  cli api-key create --name NAME --role viewer|operator|admin
  cli api-key revoke --id ID
  cli api-key list
  cli user create --email EMAIL --password PASSWORD|- --role viewer|operator|admin [--name NAME]
    (--password - reads it from stdin, so it stays out of the shell history and the process list)`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    role: { type: "string" },
    id: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
  },
});

async function run(command: string): Promise<void> {
  const admin = await import("../server/auth/admin");
  const role = () => z.enum(ROLES).parse(values.role, { error: () => "--role must be viewer, operator or admin" });
  switch (command) {
    case "api-key create": {
      const name = z
        .string()
        .min(1)
        .max(32)
        .parse(values.name, { error: () => "--name is required (1-32 characters)" });
      const { key } = await admin.createApiKey({ name, role: role() });
      process.stdout.write(`${key}\n`);
      return;
    }
    case "api-key revoke": {
      if (!values.id) throw new Error("--id is required");
      if (!(await admin.revokeApiKey(values.id))) throw new Error(`no API key ${values.id}`);
      console.error(`revoked ${values.id}`);
      return;
    }
    case "api-key list":
      for (const k of await admin.listApiKeys()) {
        const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : "never used";
        console.log(`${k.id}\t${k.name ?? ""}\t${k.start ?? ""}…\t${k.role ?? "no role"}\t${k.enabled ? "enabled" : "revoked"}\t${used}`);
      }
      return;
    case "user create": {
      const email = z.email().parse(values.email, { error: () => "--email must be an email address" });
      if (!values.password) throw new Error("--password is required (- reads it from stdin)");
      const password = values.password === "-" ? await readPasswordFromStdin() : values.password;
      const problem = passwordProblem(password, [email]);
      if (problem) throw new Error(`--password: ${problem}`);
      const user = await admin.createUser({ email, password, role: role(), name: values.name });
      console.error(`created ${user.email} (${values.role}) ${user.id}`);
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

/** The first line of stdin (a pipe or a terminal), without its line ending. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (chunk.includes(10)) break;
  }
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

async function main(): Promise<void> {
  const command = positionals.slice(0, 2).join(" ");
  const database = await openDatabase();
  try {
    await migrate(database.url);
    await ensureAuthSecret();
    await run(command);
  } finally {
    const { db } = await import("../server/db");
    await db().$disconnect();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

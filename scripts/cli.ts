// `npm run --silent cli -- <command>`: admin tasks from a shell.
//   api-key create --name NAME --role viewer|operator|admin   prints the key, and only the key, on stdout
//   api-key revoke --id ID
//   api-key list
//   user create --email E --password P --role viewer|operator|admin [--name N]
import { parseArgs } from "node:util";
import { z } from "zod";
import { ensureAuthSecret, migrate, openDatabase } from "../server/launch/bootstrap";
import { ROLES } from "../server/auth/actor";

const USAGE = `usage:
  cli api-key create --name NAME --role viewer|operator|admin
  cli api-key revoke --id ID
  cli api-key list
  cli user create --email EMAIL --password PASSWORD --role viewer|operator|admin [--name NAME]`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: "string" }, role: { type: "string" }, id: { type: "string" }, email: { type: "string" }, password: { type: "string" } },
});

async function run(command: string): Promise<void> {
  const admin = await import("../server/auth/admin");
  const role = () => z.enum(ROLES).parse(values.role, { error: () => "--role must be viewer, operator or admin" });
  switch (command) {
    case "api-key create": {
      const name = z.string().min(1).max(32).parse(values.name, { error: () => "--name is required (1-32 characters)" });
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
      for (const k of await admin.listApiKeys()) console.log(`${k.id}\t${k.name ?? ""}\t${k.start ?? ""}…\t${k.enabled ? "enabled" : "revoked"}\t${JSON.stringify(k.metadata)}`);
      return;
    case "user create": {
      const email = z.email().parse(values.email, { error: () => "--email must be an email address" });
      const password = z.string().min(8).parse(values.password, { error: () => "--password needs at least 8 characters" });
      const user = await admin.createUser({ email, password, role: role(), name: values.name });
      console.error(`created ${user.email} (${values.role}) ${user.id}`);
      return;
    }
    default:
      throw new Error(USAGE);
  }
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

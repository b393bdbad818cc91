import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";
import { env } from "../env";
import { boundedStatementNames } from "./statement-names";

export type Db = PrismaClient;

export function createDb(databaseUrl: string = env().DATABASE_URL): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: env().DATABASE_POOL_SIZE }, { statementNameGenerator: boundedStatementNames() });
  return new PrismaClient({ adapter });
}

// One client per process; survives Next's dev-mode module reloads.
const globalForDb = globalThis as unknown as { controlRoomDb?: Db };

export function db(): Db {
  globalForDb.controlRoomDb ??= createDb();
  return globalForDb.controlRoomDb;
}

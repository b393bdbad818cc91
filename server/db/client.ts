import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "../generated/prisma/client";
import { env } from "../env";
import { boundedStatementNames } from "./statement-names";

export type Db = PrismaClient;
/** The client a `db.$transaction(async (tx) => …)` callback is given. */
export type TxClient = Prisma.TransactionClient;

export function createDb(databaseUrl: string = env().DATABASE_URL): Db {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: env().DATABASE_POOL_SIZE },
    { statementNameGenerator: boundedStatementNames() },
  );
  // A busy machine can keep every pooled connection taken for more than
  // Prisma's default 2 s; waiting longer beats failing the request.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}

// One client per process; survives Next's dev-mode module reloads.
const globalForDb = globalThis as unknown as { controlRoomDb?: Db };

export function db(): Db {
  globalForDb.controlRoomDb ??= createDb();
  return globalForDb.controlRoomDb;
}

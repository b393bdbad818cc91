// The driver adapter the wasm schema engine migrates through: @prisma/adapter-pg
// over a pool we own, with one fix.
//
// adapter-pg's executeScript splits the script on every ";" and runs the pieces
// one by one. That breaks any statement with a ";" inside it (plpgsql function
// bodies such as our job_events trigger, string literals) and loses the
// all-or-nothing behaviour of the native engine, which sends a migration as one
// multi-statement query (Postgres runs that as a single implicit transaction).
// So executeScript sends the whole script in one simple-protocol query, as the
// native engine does.
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import pg from "pg";

type PgError = Error & {
  code: string;
  severity?: string;
  detail?: string;
  column?: string;
  hint?: string;
  position?: string;
};

function isPgError(error: unknown): error is PgError {
  return error instanceof Error && typeof (error as Partial<PgError>).code === "string";
}

/** Turns a server error into the shape the engine reports (code, message, detail). */
function toAdapterError(error: unknown): unknown {
  if (!isPgError(error)) return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: error.code,
    severity: error.severity ?? "ERROR",
    message: error.message,
    detail: error.detail,
    column: error.column,
    hint: error.hint,
    originalCode: error.code,
    originalMessage: error.message,
  });
}

function withWholeScripts(adapter: SqlDriverAdapter, pool: pg.Pool): SqlDriverAdapter {
  // Keep the adapter object (a class instance) and only replace the method, so
  // its other methods keep their `this`.
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      throw toAdapterError(error);
    }
  };
  return adapter;
}

export type MigrationConnection = {
  adapter: ErrorCapturingSqlMigrationAwareDriverAdapterFactory;
  /** Closes every connection, which also releases Prisma's advisory lock. */
  close(): Promise<void>;
};

export function openMigrationConnection(databaseUrl: string): MigrationConnection {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle connection dropped by the server must not crash the process.
  pool.on("error", () => {});
  const pgFactory = new PrismaPg(pool);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: pgFactory.provider,
    adapterName: pgFactory.adapterName,
    connect: async () => withWholeScripts(await pgFactory.connect(), pool),
    // Only `migrate dev`-style commands use a shadow database; we never do.
    connectToShadowDb: () => Promise.reject(new Error("applyMigrations does not use a shadow database")),
  };
  return { adapter: bindMigrationAwareSqlAdapterFactory(factory), close: () => pool.end() };
}

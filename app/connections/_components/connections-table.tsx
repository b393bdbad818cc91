"use client";

import { DateTime } from "@/app/_components/date-time";
import { EmptyState, RefreshFailed } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { DbConnection } from "@/server/connections/schema";
import { ImportGoldenRecordsDialog } from "./import-golden-records-dialog";

/** Every database connection with its golden-record count; operators import golden records per row. */
export function ConnectionsTable({ initialConnections, canEdit }: { initialConnections: DbConnection[]; canEdit: boolean }) {
  const connections = trpc.dbConnection.list.useQuery(undefined, { initialData: initialConnections });
  const rows = connections.data;

  return (
    <section aria-label="Database connections" className="space-y-3">
      {connections.isRefetchError ? (
        <RefreshFailed what="connections" message={connections.error?.message} onRetry={() => void connections.refetch()} />
      ) : null}
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
        {rows.length === 0 ? (
          <EmptyState title="No database connections yet">
            {canEdit ? "Add one with “Add connection”, then import its golden records." : "An operator can add one."}
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[640px] text-left text-sm">
              <caption className="sr-only">Database connections, newest first</caption>
              <thead className="border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Alias
                  </th>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Dialect
                  </th>
                  <th scope="col" className="px-4 py-2.5 text-right font-medium">
                    Golden records
                  </th>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Created
                  </th>
                  {canEdit ? (
                    <th scope="col" className="px-4 py-2.5">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((connection) => (
                  <tr key={connection.id} className="hover:bg-slate-50/60">
                    <th scope="row" className="px-4 py-3 font-medium text-slate-900">
                      {connection.alias}
                    </th>
                    <td className="px-4 py-3 font-mono text-xs text-slate-600">{connection.dialect}</td>
                    <td className="px-4 py-3 text-right text-slate-800 tabular-nums">
                      {connection.golden_record_count.toLocaleString("en-US")}
                    </td>
                    <td className="px-4 py-3 text-slate-600">
                      <DateTime iso={connection.created_at} />
                    </td>
                    {canEdit ? (
                      <td className="px-4 py-3 text-right">
                        <ImportGoldenRecordsDialog connection={connection} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <p className="text-sm text-slate-500">
        {rows.length} {rows.length === 1 ? "connection" : "connections"}
      </p>
    </section>
  );
}

import type { Metadata } from "next";
import { canChangeJobs, requireUser } from "@/server/auth/session";
import { serverApi } from "@/app/_trpc/server";
import { AddConnectionDialog } from "./_components/add-connection-dialog";
import { ConnectionsTable } from "./_components/connections-table";

export const metadata: Metadata = { title: "Connections · Fine-tuning control room" };

export default async function ConnectionsPage() {
  const user = await requireUser("/connections");
  // The first render comes from here; the table keeps it fresh in the browser.
  const api = await serverApi();
  const connections = await api.dbConnection.list();
  const canEdit = canChangeJobs(user.role);

  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">Database connections</h1>
          <p className="mt-1 text-sm text-slate-500">The databases jobs train for, and the golden question/SQL pairs they train on.</p>
        </div>
        {canEdit ? <AddConnectionDialog /> : null}
      </div>
      <ConnectionsTable initialConnections={connections} canEdit={canEdit} />
    </main>
  );
}

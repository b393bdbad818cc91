import type { Metadata } from "next";
import { serverApi } from "@/app/_trpc/server";
import { requireAdmin } from "@/server/auth/session";
import { AddUserDialog } from "./_components/add-user-dialog";
import { UsersTable } from "./_components/users-table";

export const metadata: Metadata = { title: "Users · Settings · Fine-tuning control room" };

export default async function UsersPage() {
  const me = await requireAdmin("/settings/users");
  const users = await (await serverApi()).users.list();
  return (
    <section aria-labelledby="users-heading">
      <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="users-heading" className="text-base font-semibold text-slate-900">
            Users
          </h2>
          <p className="mt-1 text-sm text-slate-500">
            Viewers read, operators change jobs, admins also manage users and keys. A change of role or a ban applies to the user&apos;s
            sessions and keys at once.
          </p>
        </div>
        <AddUserDialog />
      </div>
      <UsersTable initialUsers={users} myId={me.id} />
    </section>
  );
}

"use client";

import { toast } from "sonner";
import {
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogRoot,
  AlertDialogTrigger,
} from "@/app/_components/alert-dialog";
import { Button, buttonClasses } from "@/app/_components/button";
import { DateTime } from "@/app/_components/date-time";
import { trpc } from "@/app/_trpc/client";
import { ROLES, type Role, type UserSummary } from "@/server/auth/admin-schema";

export function UsersTable({ initialUsers, myId }: { initialUsers: UserSummary[]; myId: string }) {
  const utils = trpc.useUtils();
  const users = trpc.users.list.useQuery(undefined, { initialData: initialUsers }).data;
  const done = (message: string) => ({
    onSuccess: async () => {
      toast.success(message);
      await utils.users.list.invalidate();
    },
    onError: (error: { message: string }) => toast.error(error.message),
  });
  const setRole = trpc.users.setRole.useMutation(done("Role changed"));
  const setBanned = trpc.users.setBanned.useMutation(done("Saved"));
  const remove = trpc.users.remove.useMutation(done("User removed"));

  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium text-slate-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-2.5">
              Email
            </th>
            <th scope="col" className="px-4 py-2.5">
              Role
            </th>
            <th scope="col" className="px-4 py-2.5">
              Status
            </th>
            <th scope="col" className="px-4 py-2.5">
              Added
            </th>
            <th scope="col" className="px-4 py-2.5">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((user) => {
            const self = user.id === myId;
            return (
              <tr key={user.id}>
                <td className="px-4 py-2.5">
                  <div className="font-medium text-slate-900">{user.email}</div>
                  <div className="text-xs text-slate-500">
                    {user.name}
                    {self ? " (you)" : ""}
                  </div>
                </td>
                <td className="px-4 py-2.5">
                  <select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    disabled={self || setRole.isPending}
                    onChange={(e) => setRole.mutate({ user_id: user.id, role: e.target.value as Role })}
                    className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm disabled:bg-slate-50 disabled:text-slate-500"
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="px-4 py-2.5 text-slate-600">
                  {user.banned ? (
                    <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700">banned</span>
                  ) : user.must_change_password ? (
                    <span className="text-xs">must choose a password</span>
                  ) : (
                    <span className="text-xs">active</span>
                  )}
                </td>
                <td className="px-4 py-2.5 text-slate-600">
                  <DateTime iso={user.created_at} />
                </td>
                <td className="px-4 py-2.5 text-right whitespace-nowrap">
                  {self ? null : (
                    <div className="flex justify-end gap-2">
                      <Button
                        size="sm"
                        onClick={() => setBanned.mutate({ user_id: user.id, banned: !user.banned })}
                        disabled={setBanned.isPending}
                      >
                        {user.banned ? "Unban" : "Ban"}
                      </Button>
                      <AlertDialogRoot>
                        <AlertDialogTrigger asChild>
                          <Button size="sm" variant="danger-outline">
                            Remove
                          </Button>
                        </AlertDialogTrigger>
                        <AlertDialogContent
                          title={`Remove ${user.email}?`}
                          description="Their sessions end and their API keys stop working. This cannot be undone."
                        >
                          <div className="mt-6 flex justify-end gap-2">
                            <AlertDialogCancel className={buttonClasses({})}>Keep</AlertDialogCancel>
                            <AlertDialogAction
                              className={buttonClasses({ variant: "danger" })}
                              onClick={() => remove.mutate({ user_id: user.id })}
                            >
                              Remove user
                            </AlertDialogAction>
                          </div>
                        </AlertDialogContent>
                      </AlertDialogRoot>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

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
import { EmptyState } from "@/app/_components/states";
import { trpc } from "@/app/_trpc/client";
import type { ApiKeySummaryWire } from "@/server/auth/admin-schema";

export function ApiKeysTable({ initialKeys }: { initialKeys: ApiKeySummaryWire[] }) {
  const utils = trpc.useUtils();
  const keys = trpc.apiKeys.list.useQuery(undefined, { initialData: initialKeys }).data;
  const revoke = trpc.apiKeys.revoke.useMutation({
    onSuccess: async () => {
      toast.success("Key revoked");
      await utils.apiKeys.list.invalidate();
    },
    onError: (error) => toast.error(error.message),
  });
  if (keys.length === 0) return <EmptyState title="No API keys yet">Make one for each service that calls the API.</EmptyState>;

  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium text-slate-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-2.5">
              Name
            </th>
            <th scope="col" className="px-4 py-2.5">
              Role
            </th>
            <th scope="col" className="px-4 py-2.5">
              Owner
            </th>
            <th scope="col" className="px-4 py-2.5">
              Last used
            </th>
            <th scope="col" className="px-4 py-2.5">
              Status
            </th>
            <th scope="col" className="px-4 py-2.5">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {keys.map((key) => (
            <tr key={key.id}>
              <td className="px-4 py-2.5">
                <div className="font-medium text-slate-900">{key.name ?? "(unnamed)"}</div>
                <div className="font-mono text-xs text-slate-500">{key.start ?? ""}…</div>
              </td>
              <td className="px-4 py-2.5 text-slate-600">{key.role ?? "none"}</td>
              <td className="px-4 py-2.5 text-slate-600">
                {key.owner_email === "system@controlroom.local" ? "system (CLI)" : (key.owner_email ?? "—")}
              </td>
              <td className="px-4 py-2.5 text-slate-600">{key.last_used_at ? <DateTime iso={key.last_used_at} /> : "never"}</td>
              <td className="px-4 py-2.5">
                {key.enabled ? (
                  <span className="text-xs text-slate-600">active</span>
                ) : (
                  <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">revoked</span>
                )}
              </td>
              <td className="px-4 py-2.5 text-right">
                {key.enabled ? (
                  <AlertDialogRoot>
                    <AlertDialogTrigger asChild>
                      <Button size="sm" variant="danger-outline">
                        Revoke
                      </Button>
                    </AlertDialogTrigger>
                    <AlertDialogContent
                      title={`Revoke ${key.name ?? "this key"}?`}
                      description="Requests with it are refused from now on. A revoked key cannot be enabled again."
                    >
                      <div className="mt-6 flex justify-end gap-2">
                        <AlertDialogCancel className={buttonClasses({})}>Keep</AlertDialogCancel>
                        <AlertDialogAction className={buttonClasses({ variant: "danger" })} onClick={() => revoke.mutate({ id: key.id })}>
                          Revoke key
                        </AlertDialogAction>
                      </div>
                    </AlertDialogContent>
                  </AlertDialogRoot>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { canChangeJobs, requireUser } from "@/server/auth/session";
import { serverApi } from "@/app/_trpc/server";
import { EmptyState } from "@/app/_components/states";
import { CreateSweepForm } from "./_components/create-sweep-form";

export const metadata: Metadata = { title: "Sweeps · Fine-tuning control room" };

export default async function SweepsPage() {
  const user = await requireUser("/sweeps");
  const api = await serverApi();
  const [sweeps, connections] = await Promise.all([api.sweep.list({ limit: 50 }), api.dbConnection.list()]);
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
      <h1 className="text-xl font-semibold tracking-tight text-slate-900">Sweeps</h1>
      {canChangeJobs(user.role) ? <CreateSweepForm connections={connections.map((c) => ({ id: c.id, alias: c.alias }))} /> : null}
      {sweeps.items.length === 0 ? (
        <EmptyState title="No sweeps yet">A sweep trains a few parameter sets side by side and stops the losing runs itself.</EmptyState>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Sweeps">
          <thead className="border-b border-slate-200 text-xs text-slate-500">
            <tr>
              <th className="py-2 pr-3">Name</th>
              <th className="py-2 pr-3">Status</th>
              <th className="py-2 pr-3">Runs</th>
              <th className="py-2 pr-3">Best</th>
              <th className="py-2 pr-3">Cost</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {sweeps.items.map((s) => (
              <tr key={s.id}>
                <td className="py-2 pr-3">
                  <Link href={`/sweeps/${s.id}`} className="font-medium underline-offset-2 hover:underline">
                    {s.name}
                  </Link>
                </td>
                <td className="py-2 pr-3">{s.status}</td>
                <td className="py-2 pr-3 tabular-nums">
                  {s.runs.length} ({s.runs.filter((r) => r.stopped_at_step !== null).length} stopped early)
                </td>
                <td className="py-2 pr-3 tabular-nums">{s.best ? s.best.metric.toFixed(4) : "–"}</td>
                <td className="py-2 pr-3 tabular-nums">${s.cost.so_far_usd.toFixed(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

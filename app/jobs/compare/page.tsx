import type { Metadata } from "next";
import { z } from "zod";
import { requireUser } from "@/server/auth/session";
import { idSchema } from "@/server/finetuning/schema";
import { serverApi } from "@/app/_trpc/server";
import { EmptyState } from "@/app/_components/states";
import { COMPARE_MAX } from "./_components/compare-link";
import { CompareView } from "./_components/compare-view";

export const metadata: Metadata = { title: "Compare jobs · Fine-tuning control room" };

const idsSchema = z.array(idSchema).min(2).max(COMPARE_MAX);

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ ids?: string }> }) {
  const { ids } = await searchParams;
  await requireUser(`/jobs/compare?ids=${encodeURIComponent(ids ?? "")}`);
  const parsed = idsSchema.safeParse([...new Set((ids ?? "").split(",").filter(Boolean))]);
  const api = await serverApi();
  const jobs = parsed.success
    ? (await Promise.all(parsed.data.map((id) => api.finetuning.get({ finetuning_id: id }).catch(() => null)))).filter((j) => j !== null)
    : [];
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-8 sm:px-6">
      <h1 className="text-xl font-semibold tracking-tight text-slate-900">Compare jobs</h1>
      {jobs.length < 2 ? (
        <EmptyState title="Choose two or more jobs">Select jobs in the jobs table, then “Compare”.</EmptyState>
      ) : (
        <CompareView jobs={jobs} />
      )}
    </main>
  );
}

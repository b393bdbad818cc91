import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { canChangeJobs, requireUser } from "@/server/auth/session";
import { idSchema } from "@/server/finetuning/schema";
import { serverApi } from "@/app/_trpc/server";
import { SweepDetail } from "./_components/sweep-detail";

export const metadata: Metadata = { title: "Sweep · Fine-tuning control room" };

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/sweeps/${encodeURIComponent(id)}`);
  if (!idSchema.safeParse(id).success) notFound();
  const api = await serverApi();
  const sweep = await api.sweep.get({ sweep_id: id }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      <SweepDetail initialSweep={sweep} canChange={canChangeJobs(user.role)} />
    </main>
  );
}

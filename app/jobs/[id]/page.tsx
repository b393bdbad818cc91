import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { canChangeJobs, requireUser } from "@/server/auth/session";
import { currentFeedPosition } from "@/server/finetuning/changes";
import { idSchema } from "@/server/finetuning/schema";
import { serverApi } from "@/app/_trpc/server";
import { JobDetail } from "./_components/job-detail";

export const metadata: Metadata = { title: "Job · Fine-tuning control room" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/jobs/${encodeURIComponent(id)}`);
  if (!idSchema.safeParse(id).success) notFound();

  const api = await serverApi();
  // Read before the data: the page's live feed starts here and misses nothing after.
  const since = await currentFeedPosition();
  // The curves and checkpoints too, so the loss chart draws as the page hydrates instead of after another round trip.
  const [job, events, connections, metrics, checkpoints] = await Promise.all([
    api.finetuning.get({ finetuning_id: id }),
    api.finetuning.events({ finetuning_id: id }),
    api.dbConnection.list(),
    api.finetuning.metrics({ finetuning_id: id }),
    api.finetuning.checkpoints({ finetuning_id: id }),
  ]).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const connection = connections.find((c) => c.id === job.db_connection_id);

  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      <JobDetail
        initialJob={job}
        initialEvents={events}
        initialTraining={{ metrics, checkpoints }}
        connectionAlias={connection?.alias ?? null}
        canCancel={canChangeJobs(user.role)}
        since={since}
      />
    </main>
  );
}

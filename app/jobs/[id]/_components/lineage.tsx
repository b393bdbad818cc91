"use client";

import Link from "next/link";
import { trpc } from "@/app/_trpc/client";
import type { FinetuningJob } from "@/server/finetuning/schema";
import { jobName } from "../../_hooks/job-cache";

/** Where the job comes from and what came of it: "continued from …", "continued as …", its sweep. */
export function Lineage({ job }: { job: FinetuningJob }) {
  const children = trpc.finetuning.list.useQuery({ parent_finetuning_id: job.id, limit: 20 });
  const parent = job.parent;
  const kids = children.data?.items ?? [];
  if (!parent && kids.length === 0 && !job.sweep_id) return null;
  return (
    <section aria-label="Lineage" className="space-y-1 text-sm text-slate-600">
      {parent ? (
        <p>
          Continued from{" "}
          <Link href={`/jobs/${parent.finetuning_id}`} className="font-medium underline-offset-2 hover:underline">
            {parent.finetuning_id}
          </Link>{" "}
          at step {parent.step} <span className="font-mono text-xs">({parent.checkpoint_id})</span>
        </p>
      ) : null}
      {kids.length > 0 ? (
        <p>
          Continued as{" "}
          {kids.map((kid, i) => (
            <span key={kid.id}>
              {i > 0 ? ", " : ""}
              <Link href={`/jobs/${kid.id}`} className="font-medium underline-offset-2 hover:underline">
                {jobName(kid)}
              </Link>
              {kid.parent ? ` (from step ${kid.parent.step})` : ""}
            </span>
          ))}
        </p>
      ) : null}
      {job.sweep_id ? (
        <p>
          A run of{" "}
          <Link href={`/sweeps/${job.sweep_id}`} className="font-medium underline-offset-2 hover:underline">
            its sweep
          </Link>
        </p>
      ) : null}
    </section>
  );
}

import { CopyButton } from "@/app/_components/copy-button";
import { DateTime } from "@/app/_components/date-time";
import type { Checkpoint } from "@/server/finetuning/training-curves-schema";

/** The provider's checkpoints, each a model id that can be used as it is. */
export function CheckpointList({ checkpoints }: { checkpoints: Checkpoint[] }) {
  if (checkpoints.length === 0) return <p className="text-sm text-slate-500">No checkpoints yet; the provider makes one per epoch.</p>;
  return (
    <ul aria-label="Checkpoints" className="divide-y divide-slate-100">
      {checkpoints.map((c) => (
        <li key={c.id} className="flex items-center justify-between gap-3 py-2.5">
          <div className="min-w-0">
            <p className="truncate font-mono text-xs text-slate-900" title={c.fine_tuned_model_checkpoint}>
              {c.fine_tuned_model_checkpoint}
            </p>
            <p className="mt-0.5 text-xs text-slate-500">
              Step {c.step_number}
              {typeof c.metrics.train_loss === "number" ? ` · training loss ${c.metrics.train_loss.toFixed(4)}` : ""}
              {typeof c.metrics.valid_loss === "number" ? ` · validation loss ${c.metrics.valid_loss.toFixed(4)}` : ""}
              {" · "}
              <DateTime iso={c.created_at} />
            </p>
          </div>
          <CopyButton value={c.fine_tuned_model_checkpoint} what="checkpoint's model id" />
        </li>
      ))}
    </ul>
  );
}

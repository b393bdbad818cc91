import { clsx } from "clsx";
import { DateTime } from "@/app/_components/date-time";
import { STATUS_LABELS } from "@/app/_components/job-status-badge";
import type { JobEvent } from "@/server/finetuning/schema";

/** Event actors are stored as `user:<email>`, `api_key:<name>` or a system name. */
export function describeActor(actor: string): string {
  if (actor.startsWith("user:")) return actor.slice("user:".length);
  if (actor.startsWith("api_key:")) return `API key “${actor.slice("api_key:".length)}”`;
  const system: Record<string, string> = {
    worker: "the worker",
    provider: "the provider",
    seed: "demo seed",
    cli: "the CLI",
    guardrail: "a guardrail",
    sweep: "its sweep",
  };
  return system[actor] ?? actor;
}

function title(event: JobEvent): string {
  switch (event.kind) {
    case "status_change":
      if (!event.to_status) return "Status changed";
      return event.from_status
        ? `${STATUS_LABELS[event.from_status]} → ${STATUS_LABELS[event.to_status]}`
        : `Created as ${STATUS_LABELS[event.to_status]}`;
    case "provider_event":
      return event.reason ?? "Provider event";
    case "metadata_update":
      return "Metadata updated";
    case "deleted":
      return "Deleted";
    case "guardrail_triggered":
      return `Guardrail ${event.reason ?? "fired"}`;
    case "cancel_stuck":
      return "Cancel not confirmed by the provider; sent again";
    case "sweep_run_stopped":
      return event.reason ?? "Stopped early by its sweep";
  }
}

function dotColour(event: JobEvent): string {
  if (event.kind === "provider_event")
    return event.metadata?.level === "error" ? "bg-red-400" : event.metadata?.level === "warn" ? "bg-amber-400" : "bg-slate-300";
  switch (event.to_status) {
    case "succeeded":
      return "bg-emerald-500";
    case "failed":
      return "bg-red-500";
    case "cancelled":
      return "bg-amber-500";
    case "running":
      return "bg-blue-500";
    default:
      return "bg-slate-400";
  }
}

// A status change's "why": its metadata (cancel reasons) or the recorded reason; routine ones are left out.
function why(event: JobEvent): string | null {
  if (event.kind === "provider_event") return null;
  const entries = Object.entries(event.metadata ?? {});
  if (entries.length > 0)
    return entries.map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(" · ");
  if (!event.reason || event.reason === "created" || event.reason === "cancelled") return null;
  return event.reason;
}

/** The job's history, oldest first: status changes with who and why, and what the provider reported. */
export function EventTimeline({ events }: { events: JobEvent[] }) {
  if (events.length === 0) return <p className="text-sm text-slate-500">No events yet.</p>;
  return (
    <ol aria-label="Event timeline" className="relative space-y-4 border-l border-slate-200 pl-5">
      {events.map((event) => {
        const reason = why(event);
        return (
          <li key={event.id} className="relative">
            <span aria-hidden className={clsx("absolute top-1.5 -left-[24.5px] size-2 rounded-full ring-4 ring-white", dotColour(event))} />
            <p className={clsx("text-sm break-words", event.kind === "provider_event" ? "text-slate-600" : "font-medium text-slate-900")}>
              {title(event)}
            </p>
            {reason ? <p className="mt-0.5 text-sm break-words text-slate-600">{reason}</p> : null}
            <p className="mt-0.5 text-xs text-slate-500">
              {event.kind === "provider_event" ? "Provider" : `by ${describeActor(event.actor)}`} · <DateTime iso={event.at} seconds />
            </p>
          </li>
        );
      })}
    </ol>
  );
}

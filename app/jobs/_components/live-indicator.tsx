import { clsx } from "clsx";
import { FALLBACK_POLL_MS, type LiveFeed } from "../_hooks/use-job-changes";

const TEXT: Record<LiveFeed, { label: string; title: string; dot: string }> = {
  live: { label: "Live", title: "Changes appear as they happen", dot: "bg-emerald-500" },
  connecting: { label: "Connecting…", title: "Connecting to live updates", dot: "bg-slate-300" },
  polling: {
    label: `Polling every ${FALLBACK_POLL_MS / 1000} s`,
    title: `Live updates are reconnecting; refreshing every ${FALLBACK_POLL_MS / 1000} s meanwhile`,
    dot: "bg-amber-400",
  },
};

/** Whether changes stream in live, or the page is polling while the feed reconnects. */
export function LiveIndicator({ feed }: { feed: LiveFeed }) {
  const text = TEXT[feed];
  return (
    <span className="inline-flex items-center gap-1.5 text-xs whitespace-nowrap text-slate-500" title={text.title}>
      <span aria-hidden className="relative flex size-2">
        {feed === "live" ? <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-60" /> : null}
        <span className={clsx("relative inline-flex size-2 rounded-full", text.dot)} />
      </span>
      {text.label}
    </span>
  );
}

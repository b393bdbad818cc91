"use client";

import { useSyncExternalStore } from "react";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** Deterministic, so the server's HTML and the first client render agree. */
function formatUtc(date: Date, seconds: boolean): string {
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${seconds ? `:${pad(date.getUTCSeconds())}` : ""}`;
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${time} UTC`;
}

const localFormats = {
  minutes: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
  seconds: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }),
};
const noSubscription = () => () => {};

/**
 * A timestamp in the viewer's own time zone. The server does not know it, so
 * the server (and hydration) render UTC and the browser then switches to local.
 */
export function DateTime({ iso, seconds = false, className }: { iso: string; seconds?: boolean; className?: string }) {
  const date = new Date(iso);
  const text = useSyncExternalStore(
    noSubscription,
    () => localFormats[seconds ? "seconds" : "minutes"].format(date),
    () => formatUtc(date, seconds),
  );
  return (
    <time dateTime={iso} title={iso} className={className}>
      {text}
    </time>
  );
}

import pg from "pg";
import { env } from "../env";

/**
 * Calls `onNotify` on each NOTIFY on `channel`, over a connection of its own
 * (LISTEN needs one that stays open), until `closing` aborts. A lost
 * connection is opened again after a second; the caller's own slow timer
 * covers the notifications missed meanwhile.
 */
export function listenFor(channel: string, onNotify: () => void, closing: AbortSignal): void {
  if (closing.aborted) return;
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  const end = () => void client.end().catch(() => {});
  let retried = false;
  const retry = () => {
    // The error event and the failed LISTEN may both report one loss: one new connection for it.
    if (retried) return;
    retried = true;
    closing.removeEventListener("abort", end);
    client.removeAllListeners();
    client.on("error", () => {});
    end();
    if (!closing.aborted) setTimeout(() => listenFor(channel, onNotify, closing), 1_000).unref();
  };
  client.on("error", retry);
  client.on("notification", (message) => {
    if (message.channel === channel) onNotify();
  });
  closing.addEventListener("abort", end, { once: true });
  client
    .connect()
    .then(() => client.query(`LISTEN ${channel}`))
    .catch(retry);
}

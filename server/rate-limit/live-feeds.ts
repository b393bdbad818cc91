import { env } from "../env";
import { AppError } from "../errors";

// Live feeds held open at once, per user (its budget subject: all of its
// sessions and keys together), in this process. A feed's place is given back
// the moment its connection closes, so a browser that reconnects after the
// server ended its feed never meets the limit.

const globalForFeeds = globalThis as unknown as { controlRoomOpenFeeds?: Map<string, number> };

/** Seconds a refused client is asked to wait: an open tab's feed ends within LIVE_FEED_MAX_DURATION_MS anyway. */
const RETRY_AFTER_SECONDS = 10;

/** Takes one of the subject's places; the function that gives it back (once, however often called). TOO_MANY_REQUESTS when none is free. */
export function takeLiveFeedPlace(subject: string): () => void {
  const open = (globalForFeeds.controlRoomOpenFeeds ??= new Map<string, number>());
  const max = env().LIVE_FEED_MAX_PER_USER;
  const held = open.get(subject) ?? 0;
  if (held >= max) {
    throw new AppError("TOO_MANY_REQUESTS", `At most ${max} live feeds may be open at once per user; close one (another tab?) first.`, {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
  open.set(subject, held + 1);
  let given = false;
  return () => {
    if (given) return;
    given = true;
    const left = (open.get(subject) ?? 1) - 1;
    if (left > 0) open.set(subject, left);
    else open.delete(subject);
  };
}

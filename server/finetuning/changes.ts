import "server-only";
import { EventEmitter } from "node:events";
import { db } from "../db";
import { listenFor } from "../db/listen";
import { report } from "../observations";
import { JOB_CHANGED_CHANNEL, latestEventId, readChangesAfter, readChangesByIds, READ_BATCH, type LoggedChange } from "./change-log";

export { jobChangeSchema, type JobChange } from "./change-log";

// The live feed: one reader per process follows the event log (job_events)
// in id order and fans each event out to this process's subscribers. It is
// woken by a NOTIFY that every writer sends after committing (./announce.ts)
// and also looks on its own every second, so a lost notification only
// delays a change. A subscriber that names the last event it saw
// (`lastEventId`) first gets every event since from the log, so nothing
// between a page's load and its subscription, or during a reconnect, is lost.

const SAFETY_TICK_MS = 1_000;
// Ids are taken before commit, so a later id can commit first. A hole in the
// ids is waited for this long from when it was first seen before the feed
// moves past it (most holes are rolled-back inserts); its ids are then still
// looked for, for a minute, and an event that turns up late is delivered late
// rather than never.
const HOLE_WAIT_MS = 2_000;
const LATE_WINDOW_MS = 60_000;
const MAX_LATE_IDS = 1_000;
// A subscriber this far behind is not replayed the log (a whole-log read per
// connection is a cheap request made expensive): it starts at the head and is
// told to read its page again.
export const MAX_REPLAY_EVENTS = 10_000;
// Changes waiting for a subscriber that is not reading them (its client
// stopped reading and the connection is full): past this it is dropped.
export const MAX_PENDING_CHANGES = 1_000;

type Feed = { emitter: EventEmitter; ready: Promise<void>; position: bigint; closing: AbortController };
const globalForFeed = globalThis as unknown as { controlRoomChangeFeed?: Feed; controlRoomFeedsClosed?: boolean };

function startFeed(): Feed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const feed: Feed = { emitter, position: 0n, closing: new AbortController(), ready: Promise.resolve() };
  let running = false;
  let again = false;
  const holesSince = new Map<bigint, number>(); // the first id of each hole ahead of the position → when it was first seen
  const late = new Map<bigint, number>(); // ids the feed moved past → when

  const deliverLate = async () => {
    if (late.size === 0) return;
    for (const item of await readChangesByIds(db(), [...late.keys()])) {
      late.delete(item.eventId);
      emitter.emit("change", { ...item, late: true });
    }
    for (const [id, since] of late) if (Date.now() - since > LATE_WINDOW_MS) late.delete(id);
  };

  const pump = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const batch = await readChangesAfter(db(), feed.position);
        // Every hole this read shows is first seen now: the holes of one read
        // are waited for together, not one after another.
        const now = Date.now();
        let before = feed.position;
        for (const item of batch) {
          if (item.eventId !== before + 1n && !holesSince.has(before + 1n)) holesSince.set(before + 1n, now);
          before = item.eventId;
        }
        for (const item of batch) {
          const expected = feed.position + 1n;
          if (item.eventId !== expected) {
            if (now - (holesSince.get(expected) ?? now) < HOLE_WAIT_MS) {
              setTimeout(() => void pump(), 200).unref();
              break;
            }
          }
          for (let id = expected; id < item.eventId && late.size < MAX_LATE_IDS; id++) late.set(id, Date.now());
          feed.position = item.eventId;
          emitter.emit("change", item);
        }
        for (const start of holesSince.keys()) if (start <= feed.position) holesSince.delete(start);
        if (batch.length === READ_BATCH && feed.position === batch.at(-1)?.eventId) again = true;
      } while (again);
      await deliverLate();
    } catch (error) {
      if (!feed.closing.signal.aborted) console.error(`live feed: reading the event log failed; retrying (${(error as Error).message})`);
    } finally {
      running = false;
    }
  };

  feed.ready = (async () => {
    feed.position = await latestEventId(db());
    listenFor(JOB_CHANGED_CHANNEL, () => void pump(), feed.closing.signal);
    const tick = setInterval(() => void pump(), SAFETY_TICK_MS);
    tick.unref();
    feed.closing.signal.addEventListener("abort", () => clearInterval(tick));
  })();
  return feed;
}

function feed(): Feed {
  if (!globalForFeed.controlRoomChangeFeed) {
    const started = startFeed();
    started.ready.catch(() => {
      if (globalForFeed.controlRoomChangeFeed === started) globalForFeed.controlRoomChangeFeed = undefined; // the next caller tries again
    });
    globalForFeed.controlRoomChangeFeed = started;
  }
  return globalForFeed.controlRoomChangeFeed;
}

/** The feed position a reader is at after reading now: pass it as `lastEventId` to miss nothing after. */
export async function currentFeedPosition(): Promise<string> {
  const current = feed();
  await current.ready;
  return String(current.position);
}

function parsePosition(lastEventId: string | null | undefined): bigint | undefined {
  if (!lastEventId || !/^\d{1,19}$/.test(lastEventId)) return undefined;
  return BigInt(lastEventId);
}

function shutdownError(): Error {
  // Named like an abort, so the SSE stream ends without its "return" event and browsers reconnect (to another instance).
  return Object.assign(new Error("This server is shutting down; reconnect."), { name: "AbortError" });
}

function slowSubscriberError(): Error {
  // Also ends the stream as an abort: the client reconnects with its lastEventId when it reads again.
  return Object.assign(new Error(`More than ${MAX_PENDING_CHANGES} changes waited for this live feed; reconnect.`), { name: "AbortError" });
}

type Pending = LoggedChange & { late?: true };

/** The feed's changes for one subscriber, in a queue of at most MAX_PENDING_CHANGES; past it, `onOverflow` and the end. */
function subscribe(emitter: EventEmitter, signal: AbortSignal, onOverflow: (() => void) | undefined) {
  let items: Pending[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const onChange = (item: Pending) => {
    if (overflowed) return;
    if (items.length >= MAX_PENDING_CHANGES) {
      overflowed = true;
      items = [];
      emitter.off("change", onChange);
      onOverflow?.();
    } else {
      items.push(item);
    }
    wake?.();
  };
  const onAbort = () => wake?.();
  emitter.on("change", onChange);
  signal.addEventListener("abort", onAbort, { once: true });
  return {
    async next(): Promise<Pending> {
      for (;;) {
        if (signal.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
        if (overflowed) throw slowSubscriberError();
        const item = items.shift();
        if (item) return item;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    close() {
      emitter.off("change", onChange);
      signal.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Every job change after `lastEventId` (or from now on), oldest first,
 * until the signal aborts or the process shuts down. More than
 * MAX_REPLAY_EVENTS behind, it starts at the newest event instead, marked
 * `refetch`. A subscriber that leaves MAX_PENDING_CHANGES unread is dropped
 * (`onSlow`, then the end).
 */
export async function* jobChanges(opts: {
  lastEventId?: string | null;
  signal?: AbortSignal;
  onSlow?: () => void;
}): AsyncGenerator<LoggedChange> {
  if (globalForFeed.controlRoomFeedsClosed) throw shutdownError(); // a request that arrived while this process drains
  const current = feed();
  await current.ready;
  const signal = opts.signal ? AbortSignal.any([opts.signal, current.closing.signal]) : current.closing.signal;
  // Listening starts before the log is read, so nothing falls between the two.
  const live = subscribe(current.emitter, signal, opts.onSlow);
  const head = current.position;
  const asked = parsePosition(opts.lastEventId);
  // A position past the head (made up, or another database's) starts at the head.
  const since = asked === undefined || asked > head ? head : asked;
  let last = since;
  report({ kind: "live_feed_subscriber", change: 1 });
  try {
    if (head - since > MAX_REPLAY_EVENTS) {
      last = head;
      const [newest] = await readChangesByIds(db(), [head]);
      if (newest) yield { ...newest, refetch: true };
    }
    while (last < head) {
      const batch = await readChangesAfter(db(), last, head);
      if (batch.length === 0) break;
      for (const item of batch) yield item;
      last = batch.at(-1)?.eventId ?? head;
    }
    if (last < head) last = head;
    for (;;) {
      const logged = await live.next();
      if (logged.late) {
        // Out of order: delivered at the current position, so a reconnect does not rewind.
        yield { eventId: last, change: logged.change };
        continue;
      }
      if (logged.eventId <= last) continue;
      last = logged.eventId;
      yield logged;
    }
  } catch (error) {
    if (current.closing.signal.aborted && !opts.signal?.aborted) throw shutdownError();
    if (signal.aborted) return; // the subscriber went away, or its connection reached its time limit
    throw error;
  } finally {
    live.close();
    report({ kind: "live_feed_subscriber", change: -1 });
  }
}

/** Ends every live feed of this process (graceful shutdown): clients reconnect elsewhere. */
export function closeLiveFeeds(): void {
  globalForFeed.controlRoomFeedsClosed = true;
  globalForFeed.controlRoomChangeFeed?.closing.abort();
  globalForFeed.controlRoomChangeFeed = undefined;
}

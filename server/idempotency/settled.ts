import { EventEmitter } from "node:events";
import pg from "pg";
import { env } from "../env";

// A request that finds its Idempotency-Key claimed by one still running waits
// for it to settle (answered and stored, or released). Settling sends a
// NOTIFY; each process keeps one LISTEN connection and wakes its waiters,
// which then read the row once. A waiter also looks on its own every
// SAFETY_RECHECK_MS, so a notification lost while the connection reconnects
// only delays it.

export const IDEMPOTENCY_SETTLED_CHANNEL = "idempotency_key_settled";
export const SAFETY_RECHECK_MS = 2_000;

type Listener = { emitter: EventEmitter; ready: Promise<void> };
const globalForSettled = globalThis as unknown as { controlRoomIdempotencyListener?: Listener };

function startListener(): Listener {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let markReady: () => void = () => {};
  const listener: Listener = { emitter, ready: new Promise((resolve) => (markReady = resolve)) };
  const connect = () => {
    const client = new pg.Client({ connectionString: env().DATABASE_URL });
    const retry = () => {
      markReady(); // waiters fall back to their safety re-check meanwhile
      client.removeAllListeners();
      client.on("error", () => {});
      client.end().catch(() => {});
      setTimeout(connect, 1_000).unref();
    };
    client.on("error", retry);
    client.on("notification", (message) => {
      if (message.channel === IDEMPOTENCY_SETTLED_CHANNEL && message.payload) emitter.emit(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${IDEMPOTENCY_SETTLED_CHANNEL}`))
      .then(() => {
        // The connection must not keep a process alive on its own.
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        markReady();
      })
      .catch(retry);
  };
  connect();
  return listener;
}

export type SettleWatch = {
  /** Resolves when the claim settles (or was settled since the last call), or after `ms`. */
  next(ms: number): Promise<void>;
  stop(): void;
};

/** Watches one claim (`id`, as settledId names it); start it before reading the row, so no settling is missed. */
export async function watchSettle(id: string): Promise<SettleWatch> {
  const listener = (globalForSettled.controlRoomIdempotencyListener ??= startListener());
  let fired = false;
  let wake: (() => void) | undefined;
  const onSettle = () => {
    fired = true;
    wake?.();
  };
  listener.emitter.on(id, onSettle);
  await listener.ready;
  return {
    async next(ms) {
      if (!fired) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, ms));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      fired = false;
      wake = undefined;
    },
    stop: () => void listener.emitter.off(id, onSettle),
  };
}

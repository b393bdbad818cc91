import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "../db";

// Every HTTP request to a provider takes one token from that provider's
// bucket in Postgres (provider_request_budgets), so all workers and apps
// together stay within its calls a second, however many jobs there are. A
// provider's 429 empties the bucket and blocks it until its Retry-After has
// passed: the whole fleet slows down, not just the job that met it.
//
// The budget is taken at the fetch level, below the SDKs, so an SDK's own
// retries and a method that pages through a list each count as the requests
// they are.

/**
 * What the request is for. `action`: a job is being stopped or moved (a
 * person's cancel, pause or resume, a guardrail's or a sweep's cancel), and
 * someone waits for the answer; `urgent`: the worker's urgent reads (a cancel
 * being confirmed, a guardrail near its limit, a watched job, the fleet read);
 * `routine`: every other poll. Each leaves a reserve to those above it, across
 * every process: a routine call needs the whole reserve besides its own token,
 * an urgent one half of it, an action only its token, so when the bucket
 * refills an action is the first let through.
 */
export type CallPriority = "action" | "urgent" | "routine";

const RANK: Record<CallPriority, number> = { action: 0, urgent: 1, routine: 2 };

const priorityOfCall = new AsyncLocalStorage<CallPriority>();

/** Runs `work` with every provider request it makes at `priority`. */
export function withCallPriority<T>(priority: CallPriority, work: () => Promise<T>): Promise<T> {
  return priorityOfCall.run(priority, work);
}

export function currentCallPriority(): CallPriority {
  return priorityOfCall.getStore() ?? "routine";
}

export type BudgetOptions = {
  db: Db;
  /** The bucket's name: the provider's. */
  provider: string;
  /** Sustained requests a second, for every process together. */
  ratePerSecond: number;
  /** Share of the burst that routine calls leave to urgent ones and actions (0 to 1); 0.2 by default. */
  urgentReserve?: number;
};

export type RequestBudget = {
  /**
   * Waits until a request may be sent and takes its token; answers when (by
   * the database's clock) it was granted. An aborted `signal` leaves the line
   * at once with the signal's reason.
   */
  take(priority?: CallPriority, signal?: AbortSignal | null): Promise<Date>;
  /** The provider answered 429: nobody sends to it for `ms`. */
  slowDown(ms: number): Promise<void>;
};

type Grant = { granted: boolean; available: number; blocked_ms: number | null; at: Date };
type Waiter = { priority: CallPriority; granted: (at: Date) => void; failed: (error: unknown) => void; signal?: AbortSignal | null };

const MAX_WAIT_MS = 5_000;

export function requestBudget({ db, provider, ratePerSecond, urgentReserve = 0.2 }: BudgetOptions): RequestBudget {
  if (!(ratePerSecond > 0)) throw new Error(`The request budget of ${provider} must be above 0 a second.`);
  const { burst, refill } = bucketShape(ratePerSecond);
  // Routine calls leave the reserve to urgent ones, urgent ones half of it to actions.
  const reserve = Math.min(burst - 1, burst * urgentReserve);
  const needOf = (priority: CallPriority) => 1 + (reserve * RANK[priority]) / 2;

  const tryTake = async (priority: CallPriority): Promise<Grant> => {
    const [row] = await db.$queryRaw<
      Grant[]
    >`SELECT * FROM take_provider_token(${provider}, ${refill}::float8, ${burst}::float8, ${needOf(priority)}::float8)`;
    if (!row) throw new Error(`The request budget of ${provider} answered nothing.`);
    return { ...row, available: Number(row.available), blocked_ms: row.blocked_ms === null ? null : Number(row.blocked_ms) };
  };

  // This process's callers wait in one line, by priority and each kind first
  // come, first served; only the head asks Postgres,
  // so nobody starves behind luckier callers and the waiting costs one
  // statement per grant or refill, not one per caller.
  const line: Waiter[] = [];
  let serving = false;
  const serve = async () => {
    if (serving) return;
    serving = true;
    try {
      while (line.length > 0) {
        const head = line[0]!;
        if (head.signal?.aborted) {
          line.shift();
          head.failed(abortReason(head.signal));
          continue;
        }
        let grant: Grant;
        try {
          grant = await tryTake(head.priority);
        } catch (error) {
          line.shift();
          head.failed(error);
          continue;
        }
        if (grant.granted) {
          line.shift();
          head.granted(grant.at);
          continue;
        }
        const refillMs = (Math.max(0, needOf(head.priority) - grant.available) / refill) * 1000;
        await sleep(Math.min(MAX_WAIT_MS, Math.max(grant.blocked_ms ?? 0, refillMs)) + 1);
      }
    } finally {
      serving = false;
    }
  };

  return {
    take(priority = currentCallPriority(), signal) {
      return new Promise<Date>((granted, failed) => {
        if (signal?.aborted) return failed(abortReason(signal));
        const waiter: Waiter = { priority, granted, failed, signal };
        // A caller stands behind those of its priority or above, ahead of the rest (the head, being served, stays).
        const at = line.findIndex((w, i) => i > 0 && RANK[w.priority] > RANK[priority]);
        if (at === -1) line.push(waiter);
        else line.splice(at, 0, waiter);
        void serve();
      });
    },
    async slowDown(ms) {
      await db.$executeRaw`
        UPDATE provider_request_budgets
        SET tokens = 0, refilled_at = clock_timestamp(),
            blocked_until = GREATEST(COALESCE(blocked_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ${ms / 1000}::float8))
        WHERE provider = ${provider}`;
    },
  };
}

/**
 * The bucket for `ratePerSecond`: a burst of a tenth of a second's worth (at
 * least 2, so urgent calls have a reserve), refilled at the rate less the
 * burst. Any one second then holds at most the burst and a second's refill:
 * never more than `ratePerSecond` requests, the provider's own limit, at the
 * price of a sustained rate 10 % under it (20 % at 20 a second or less).
 */
export function bucketShape(ratePerSecond: number): { burst: number; refill: number } {
  if (ratePerSecond < 4) return { burst: 1, refill: ratePerSecond >= 2 ? ratePerSecond - 1 : ratePerSecond / 2 };
  const burst = Math.max(2, ratePerSecond / 10);
  return { burst, refill: ratePerSecond - burst };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error
    ? signal.reason
    : new DOMException("The request was aborted while it waited for the provider's budget.", "AbortError");

/** How long a 429 asks everybody to wait: Retry-After-Ms, Retry-After (seconds or a date), else a second. */
export function retryAfterMsOf(headers: Headers): number {
  const ms = Number(headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get("retry-after");
  if (value !== null) {
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return 1_000;
}

/** A fetch for a provider's SDK that takes the budget before every request and reports 429s to it. */
export function budgetedFetch(budget: RequestBudget, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    await budget.take(currentCallPriority(), init?.signal);
    const response = await inner(input, init);
    if (response.status === 429) await budget.slowDown(retryAfterMsOf(response.headers));
    return response;
  };
}

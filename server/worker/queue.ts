import "server-only";
import { fromPrisma, PgBoss } from "pg-boss";
import { env } from "../env";
import type { TxClient } from "../db";
import type { PollPlan } from "./poll-plan";

/** One message a job: "look at this job and take its next step". */
export const ADVANCE_QUEUE = "finetuning-advance";
/** `urgent`: its provider requests may use the budget's reserve (server/provider/budget.ts). */
export type AdvanceMessage = { jobId: string; urgent?: boolean };

const globalForBoss = globalThis as unknown as { controlRoomBoss?: Promise<PgBoss> };

async function startBoss(connectionString: string): Promise<PgBoss> {
  // Supervision fails steps whose worker stopped heart-beating (a killed
  // process), so they are retried within seconds instead of hanging.
  const boss = new PgBoss({
    connectionString,
    max: 8,
    supervise: true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    schedule: false,
  });
  boss.on("error", (error) => console.error(`queue: ${error.message}`));
  await boss.start();
  // stately + singletonKey: at most one queued and one running step per job,
  // so two workers never act on the same job at once.
  await boss.createQueue(ADVANCE_QUEUE, {
    policy: "stately",
    retryLimit: 20,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 60,
    expireInSeconds: 300,
    heartbeatSeconds: 10,
  });
  return boss;
}

/** The process's queue client (started once; installs pg-boss's schema on first use). */
export function queue(): Promise<PgBoss> {
  globalForBoss.controlRoomBoss ??= startBoss(env().DATABASE_URL).catch((error: unknown) => {
    globalForBoss.controlRoomBoss = undefined;
    throw error;
  });
  return globalForBoss.controlRoomBoss;
}

export async function stopQueue(): Promise<void> {
  const boss = await globalForBoss.controlRoomBoss?.catch(() => undefined);
  globalForBoss.controlRoomBoss = undefined;
  await boss?.stop({ graceful: true, timeout: 5_000 });
}

/** Enqueues inside the caller's transaction: the job row and its first step commit together. */
export async function enqueueRun(tx: TxClient, jobId: string): Promise<void> {
  const boss = await queue();
  await boss.send(ADVANCE_QUEUE, { jobId } satisfies AdvanceMessage, { singletonKey: jobId, db: fromPrisma(tx) });
}

/** When and how urgently a job's next step runs (server/worker/poll-plan.ts); at once and routine by default. */
export type StepTiming = Pick<PollPlan, "seconds" | "priority" | "urgent">;

export async function enqueueAdvance(
  jobId: string,
  { seconds = 0, priority = 0, urgent = false }: Partial<StepTiming> = {},
): Promise<void> {
  const boss = await queue();
  await boss.send(ADVANCE_QUEUE, { jobId, urgent } satisfies AdvanceMessage, { singletonKey: jobId, startAfter: seconds, priority });
}

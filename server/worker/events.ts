import type { Db } from "../db";
import type { FinetuningProvider } from "../provider/types";

/** Copies the provider's events into the job's event log (each one once). */
export async function mirrorProviderEvents(args: { db: Db; provider: FinetuningProvider; jobId: string; providerJobId: string }): Promise<void> {
  const events = await args.provider.listEvents(args.providerJobId);
  if (events.length === 0) return;
  await args.db.jobEvent.createMany({
    data: events.map((e) => ({
      jobId: args.jobId,
      kind: "provider_event" as const,
      actor: "provider",
      reason: e.message,
      metadata: { level: e.level },
      providerEventId: e.id,
      at: e.createdAt,
    })),
    skipDuplicates: true,
  });
}

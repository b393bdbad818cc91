import type { Db } from "../db";
import { ACTIVE_STATUSES } from "../finetuning/schema";
import { report } from "../observations";
import type { FinetuningProvider } from "../provider/types";
import { planOf } from "./poll-plan";
import { hurryAdvance } from "./queue";

// One list request reads the status of a hundred jobs (OpenAI) or of all of
// them (Together), where polling each job costs a request or two. So every
// FLEET_READ_SECONDS one worker lists a provider's jobs: a job the list shows
// as it was is marked read (its staleness bound holds however many jobs
// there are), and a job the list shows changed has its step brought forward,
// to be read in full. The per-job polls, spread by the budget's floor
// (poll-plan.ts), bring in what the list does not show: steps, losses,
// checkpoints.

/** How often a provider's jobs are listed, in poll units (WORKER_POLL_MS). */
export const FLEET_READ_SECONDS = 20;
/** The most pages one read goes through (10,000 jobs at OpenAI's 100 a page, and room for finished ones between them). */
const MAX_PAGES = 300;

type ActiveRow = { id: string; providerJobId: string; status: string; providerStatus: string | null };

export type FleetRead = { pages: number; listed: number; unchanged: number; changed: number; unseen: number };

export async function readFleet({ db, provider }: { db: Db; provider: FinetuningProvider }): Promise<FleetRead> {
  const rows = await db.finetuningJob.findMany({
    where: { modelProvider: provider.name, status: { in: [...ACTIVE_STATUSES] }, deletedAt: null, finetuningJobId: { not: null } },
    select: { id: true, finetuningJobId: true, status: true, providerStatus: true },
  });
  const wanted = new Map<string, ActiveRow>(rows.map((r) => [r.finetuningJobId!, { ...r, providerJobId: r.finetuningJobId! }]));
  const unchanged: Array<{ id: string; reportedPriceUsd: number | null }> = [];
  const changed: string[] = [];
  let pages = 0;
  let listed = 0;
  // Newest first: our active jobs come within the first pages, with the account's other jobs between them.
  const maxPages = Math.min(MAX_PAGES, Math.ceil(wanted.size / 100) * 2 + 3);
  if (wanted.size > 0) {
    for await (const page of provider.listJobs()) {
      pages += 1;
      listed += page.length;
      for (const providerJob of page) {
        const row = wanted.get(providerJob.id);
        if (!row) continue;
        wanted.delete(providerJob.id);
        // A new status brings the job's step forward; a price that grew as it trains (Together's total_price) does not.
        if (row.status !== providerJob.status || row.providerStatus !== providerJob.providerStatus) changed.push(row.id);
        else unchanged.push({ id: row.id, reportedPriceUsd: providerJob.reportedPriceUsd });
      }
      if (wanted.size === 0 || pages >= maxPages) break;
    }
  }
  await markRead(db, unchanged);
  for (const id of changed) await hurryAdvance(id, planOf("changing", 0));
  return { pages, listed, unchanged: unchanged.length, changed: changed.length, unseen: wanted.size };
}

/** Records that these jobs' status was read just now (still active: a job that ended meanwhile is left to its step). */
async function markRead(db: Db, jobs: Array<{ id: string; reportedPriceUsd: number | null }>): Promise<void> {
  if (jobs.length === 0) return;
  // The price the list reports (Together's) is recorded with the read.
  const read = await db.$queryRaw<Array<{ id: string; previous: Date | null; polled_at: Date }>>`
    UPDATE finetuning_jobs f SET provider_polled_at = clock_timestamp(),
      reported_price_usd = COALESCE(listed.price, f.reported_price_usd)
    FROM unnest(${jobs.map((j) => j.id)}::uuid[], ${jobs.map((j) => j.reportedPriceUsd)}::float8[]) AS listed(id, price)
    WHERE f.id = listed.id AND f.status::text = ANY(${[...ACTIVE_STATUSES]}::text[])
    RETURNING f.id::text AS id, old.provider_polled_at AS previous, new.provider_polled_at AS polled_at`;
  for (const row of read) {
    if (row.previous)
      report({ kind: "poll_staleness", jobId: row.id, need: "listed", seconds: (row.polled_at.getTime() - row.previous.getTime()) / 1000 });
  }
}

import type { Metadata } from "next";
import { canChangeJobs, requireUser } from "@/server/auth/session";
import { currentFeedPosition } from "@/server/finetuning/changes";
import { serverApi } from "@/app/_trpc/server";
import { CreateJobDialog } from "./_components/create-job-dialog";
import { jobFiltersQuery, listInput, parseJobFilters } from "./_components/job-filters";
import { JobsTable } from "./_components/jobs-table";

export const metadata: Metadata = { title: "Jobs · Fine-tuning control room" };

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const filters = parseJobFilters(await searchParams);
  const user = await requireUser(`/jobs${jobFiltersQuery(filters)}`);
  // The first page is rendered here; the table then keeps it live in the browser.
  const api = await serverApi();
  // Read before the data: the table's live feed starts here and misses nothing after.
  const since = await currentFeedPosition();
  const [firstPage, connections] = await Promise.all([api.finetuning.list(listInput(filters)), api.dbConnection.list()]);
  const canChange = canChangeJobs(user.role);

  return (
    <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">Fine-tuning jobs</h1>
          <p className="mt-1 text-sm text-slate-500">
            Every NL-to-SQL training run. Find one by name or id, and cancel the ones that should stop.
          </p>
        </div>
        {canChange ? <CreateJobDialog /> : null}
      </div>
      <JobsTable filters={filters} initialPage={firstPage} connections={connections} canCancel={canChange} since={since} />
    </main>
  );
}

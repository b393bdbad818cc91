import { LoadingPage, Skeleton } from "@/app/_components/states";

export default function JobLoading() {
  return (
    <LoadingPage what="the job">
      <Skeleton className="mb-4 h-4 w-40" />
      <div className="mb-8 flex items-center gap-3">
        <Skeleton className="h-7 w-64" />
        <Skeleton className="h-5 w-20 rounded-full" />
      </div>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          {[0, 1].map((i) => (
            <div key={i} className="space-y-4 rounded-xl border border-slate-200 bg-white p-5">
              <Skeleton className="h-4 w-24" />
              <div className="grid gap-4 sm:grid-cols-2">
                {Array.from({ length: 6 }, (_, j) => (
                  <Skeleton key={j} className="h-9" />
                ))}
              </div>
            </div>
          ))}
        </div>
        <div className="space-y-4 rounded-xl border border-slate-200 bg-white p-5">
          <Skeleton className="h-4 w-24" />
          {Array.from({ length: 5 }, (_, j) => (
            <Skeleton key={j} className="h-10" />
          ))}
        </div>
      </div>
    </LoadingPage>
  );
}

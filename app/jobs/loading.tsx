import { LoadingPage, Skeleton, SkeletonHeading, SkeletonTable } from "@/app/_components/states";

export default function JobsLoading() {
  return (
    <LoadingPage what="jobs">
      <SkeletonHeading titleWidth="w-48" />
      <div className="mb-3 flex gap-4">
        <Skeleton className="h-8 w-44" />
        <Skeleton className="h-8 w-52" />
      </div>
      <SkeletonTable rows={7} cells={["h-4 w-40", "h-4 w-28", "h-4 w-36", "h-5 w-20 rounded-full", "h-4 w-32"]} header />
    </LoadingPage>
  );
}

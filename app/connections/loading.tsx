import { LoadingPage, SkeletonHeading, SkeletonTable } from "@/app/_components/states";

export default function ConnectionsLoading() {
  return (
    <LoadingPage what="connections">
      <SkeletonHeading titleWidth="w-56" />
      <SkeletonTable rows={4} cells={["h-4 w-40", "h-4 w-24", "h-4 w-16", "h-4 w-32"]} />
    </LoadingPage>
  );
}

import Link from "next/link";
import { buttonClasses } from "@/app/_components/button";

/** At most this many runs side by side (a sweep's largest). */
export const COMPARE_MAX = 32;

/** "Compare N jobs": the selected jobs' curves on one chart. */
export function CompareLink({ ids }: { ids: string[] }) {
  if (ids.length < 2 || ids.length > COMPARE_MAX) return null;
  return (
    <Link href={`/jobs/compare?ids=${ids.join(",")}`} className={buttonClasses({ size: "sm" })}>
      Compare {ids.length} jobs
    </Link>
  );
}

import Link from "next/link";
import { buttonClasses } from "@/app/_components/button";
import { EmptyState } from "@/app/_components/states";

export default function JobNotFound() {
  return (
    <main className="mx-auto max-w-3xl px-4 py-16 sm:px-6">
      <div className="rounded-xl border border-slate-200 bg-white shadow-xs">
        <EmptyState
          title="No such job"
          action={
            <Link href="/jobs" className={buttonClasses({})}>
              Back to jobs
            </Link>
          }
        >
          It may have been deleted, or the link is wrong.
        </EmptyState>
      </div>
    </main>
  );
}

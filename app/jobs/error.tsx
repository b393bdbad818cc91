"use client";

import { RouteError, type RouteErrorProps } from "@/app/_components/route-error";

// Next's error boundary for /jobs and /jobs/[id].
export default function JobsError(props: RouteErrorProps) {
  return <RouteError {...props} title="The jobs could not be loaded" />;
}

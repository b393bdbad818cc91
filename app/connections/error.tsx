"use client";

import { RouteError, type RouteErrorProps } from "@/app/_components/route-error";

// Next's error boundary for /connections.
export default function ConnectionsError(props: RouteErrorProps) {
  return <RouteError {...props} title="The connections could not be loaded" />;
}

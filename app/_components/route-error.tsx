"use client";

import { RotateCw } from "lucide-react";
import { Button } from "@/app/_components/button";
import { ErrorCallout } from "@/app/_components/states";

export type RouteErrorProps = { error: unknown; retry: () => void };

/** The body of a Next error boundary: what went wrong, and a way to try again. */
export function RouteError({ error, retry, title }: RouteErrorProps & { title: string }) {
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;
  return (
    <main className="mx-auto max-w-3xl px-4 py-16 sm:px-6">
      <ErrorCallout
        title={title}
        action={
          <Button size="sm" onClick={retry}>
            <RotateCw aria-hidden className="size-3.5" />
            Try again
          </Button>
        }
      >
        {error instanceof Error && error.message ? error.message : "Something went wrong on the server."}
        {digest ? <span className="mt-1 block font-mono text-xs text-red-500">Reference: {digest}</span> : null}
      </ErrorCallout>
    </main>
  );
}

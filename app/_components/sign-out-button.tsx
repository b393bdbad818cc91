"use client";

import { LogOut } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { toast } from "sonner";
import { authClient } from "./auth-client";
import { Button } from "./button";

export function SignOutButton() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const signOut = () =>
    startTransition(async () => {
      const { error } = await authClient.signOut();
      if (error) {
        toast.error("Could not sign out", { description: error.message ?? error.statusText });
        return;
      }
      router.replace("/sign-in");
      router.refresh();
    });
  return (
    <Button variant="ghost" size="md" onClick={signOut} disabled={pending} className="px-2 sm:px-3.5">
      <LogOut aria-hidden className="size-4" />
      <span className="sr-only sm:not-sr-only">Sign out</span>
    </Button>
  );
}

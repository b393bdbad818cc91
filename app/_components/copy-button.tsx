"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "./button";

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Plain-http deployments have no Clipboard API; the old way still works there.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the browser refused to copy");
}

/** A button named "Copy" that puts `value` on the clipboard. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await writeClipboard(value);
      setCopied(true);
      toast.success(`Copied the ${what}`);
      setTimeout(() => setCopied(false), 1_500);
    } catch (error) {
      toast.error(`Could not copy the ${what}`, { description: error instanceof Error ? error.message : undefined });
    }
  };
  return (
    <Button size="sm" variant="secondary" onClick={() => void copy()} title={`Copy the ${what}`}>
      {copied ? <Check aria-hidden className="size-3.5 text-emerald-600" /> : <Copy aria-hidden className="size-3.5" />}
      Copy
    </Button>
  );
}

import { clsx } from "clsx";
import { LoaderCircle } from "lucide-react";
import type { ComponentProps, ReactNode } from "react";
import { useHydrated } from "./use-hydrated";

type Variant = "primary" | "secondary" | "danger" | "danger-outline" | "ghost";
type Size = "sm" | "md";

const VARIANTS: Record<Variant, string> = {
  // Disabled still reads at 4.5:1 (white on slate-500): the sign-in button is disabled until the page hydrates.
  primary: "bg-slate-900 text-white shadow-sm hover:bg-slate-800 disabled:bg-slate-500",
  secondary: "border border-slate-300 bg-white text-slate-800 shadow-xs hover:bg-slate-50 disabled:text-slate-400",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700 disabled:bg-red-300",
  "danger-outline": "border border-red-200 bg-white text-red-700 shadow-xs hover:border-red-300 hover:bg-red-50 disabled:text-red-300",
  ghost: "text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:text-slate-400",
};

const SIZES: Record<Size, string> = {
  sm: "h-7 gap-1.5 px-2.5 text-xs",
  md: "h-9 gap-2 px-3.5 text-sm",
};

export type ButtonProps = ComponentProps<"button"> & { variant?: Variant; size?: Size };

export function buttonClasses({ variant = "secondary", size = "md", className }: { variant?: Variant; size?: Size; className?: string }) {
  return clsx(
    "inline-flex shrink-0 cursor-pointer items-center justify-center rounded-md font-medium whitespace-nowrap transition-colors",
    "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:cursor-not-allowed",
    VARIANTS[variant],
    SIZES[size],
    className,
  );
}

export function Button({ variant, size, className, type = "button", ...props }: ButtonProps) {
  return <button type={type} className={buttonClasses({ variant, size, className })} {...props} />;
}

/** A form's submit button: it spins and waits while `pending`. */
/** A form's submit: disabled while the form is pending, and until the page has hydrated. */
export function SubmitButton({ pending, className, children }: { pending: boolean; className?: string; children: ReactNode }) {
  const hydrated = useHydrated();
  return (
    <Button type="submit" variant="primary" className={className} disabled={pending || !hydrated}>
      {pending ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : null}
      {children}
    </Button>
  );
}

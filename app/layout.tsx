import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Toaster } from "sonner";
import { AppHeader } from "./_components/app-header";
import { TrpcProvider } from "./_trpc/provider";
import "./globals.css";

export const metadata: Metadata = {
  title: "Fine-tuning control room",
  description: "Watch NL-to-SQL fine-tuning jobs and cancel the ones that should stop.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <TrpcProvider>
          <AppHeader />
          {children}
        </TrpcProvider>
        <Toaster richColors position="bottom-right" />
      </body>
    </html>
  );
}

import type { Metadata } from "next";
import { serverApi } from "@/app/_trpc/server";
import { requireAdmin } from "@/server/auth/session";
import { ApiKeysTable } from "./_components/api-keys-table";
import { CreateApiKeyDialog } from "./_components/create-api-key-dialog";

export const metadata: Metadata = { title: "API keys · Settings · Fine-tuning control room" };

export default async function ApiKeysPage() {
  const me = await requireAdmin("/settings/api-keys");
  const api = await serverApi();
  const [keys, users] = await Promise.all([api.apiKeys.list(), api.users.list()]);
  return (
    <section aria-labelledby="keys-heading">
      <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h2 id="keys-heading" className="text-base font-semibold text-slate-900">
            API keys
          </h2>
          <p className="mt-1 text-sm text-slate-500">
            A key acts with its role, or its owner&apos;s current role if that is lower. The key is shown once, when it is made.
          </p>
        </div>
        <CreateApiKeyDialog owners={users.filter((u) => !u.banned).map((u) => ({ id: u.id, email: u.email, role: u.role }))} myId={me.id} />
      </div>
      <ApiKeysTable initialKeys={keys} />
    </section>
  );
}

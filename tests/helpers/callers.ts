import { createApiKey } from "../../server/auth/admin";
import { db } from "../../server/db";
import type { Role } from "../../server/auth/actor";
import type { ProviderSource } from "../../server/provider/types";
import { createCaller } from "../../server/trpc/root";

const keys = new Map<Role, string>();

/** A real API key of the role (made once per test file), as request headers. */
export async function headersFor(role: Role): Promise<Headers> {
  let key = keys.get(role);
  if (!key) {
    key = (await createApiKey({ name: `test-${role}`, role })).key;
    keys.set(role, key);
  }
  return new Headers({ authorization: `Bearer ${key}` });
}

export async function callerAs(role: Role, provider: ProviderSource) {
  return createCaller({ db: db(), provider, headers: await headersFor(role) });
}

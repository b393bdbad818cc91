import { headers } from "next/headers";
import { cache } from "react";
import { createContext } from "@/server/trpc/init";
import { createCaller } from "@/server/trpc/root";

/**
 * The API for server components (pages): the same procedures the browser
 * calls — authentication, roles, errors — run in-process with this request's
 * headers. One caller per request.
 */
export const serverApi = cache(async () => createCaller(createContext({ headers: new Headers(await headers()) })));

import { TRPCError } from "@trpc/server";
import type { NodeHTTPRequest } from "trpc-to-openapi";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import type { NodeHTTPResponse } from "@trpc/server/adapters/node-http";
import type { Actor } from "../../auth/actor";
import { createContext } from "../../trpc/init";
import { appRouter } from "../../trpc/root";
import type { JsonObject } from "./request";

// Runs one procedure through trpc-to-openapi (path and query parameters,
// coercion, createCaller with our context), with a body already read and
// checked by the REST layer. Its error bodies are not used: the TRPCError is
// taken from onError and shaped by ./errors.

export type Invocation = {
  method: string;
  url: URL;
  headers: Headers;
  body: JsonObject | undefined;
  requestOrigin: string | undefined;
  /** The caller, identified (and counted) once by the REST layer; the procedure does not look again. */
  actor: Actor;
};
export type InvocationResult = { ok: true; status: number; body: string } | { ok: false; error: TRPCError };

type State = { requestOrigin: string | undefined; actor: Actor; error?: TRPCError };
const states = new WeakMap<object, State>();

const handler = createOpenApiNodeHttpHandler<typeof appRouter, NodeHTTPRequest, NodeHTTPResponse>({
  router: appRouter,
  createContext: ({ req }) => {
    const request = req as unknown as Request;
    const state = states.get(req);
    // Without its state (never expected) the context has no caller: the procedure identifies it itself.
    return createContext({ headers: request.headers, requestOrigin: state?.requestOrigin, actor: state?.actor });
  },
  onError: ({ error, req }) => {
    const state = states.get(req);
    if (state) state.error = error;
  },
});

export function invokeProcedure(invocation: Invocation): Promise<InvocationResult> {
  const headers = new Headers(invocation.headers);
  if (invocation.body !== undefined) headers.set("content-type", "application/json");
  const request = new Request(invocation.url, { method: invocation.method, headers });
  // trpc-to-openapi reads a pre-parsed `body` when the request has one (its fetch adapter does the same).
  const req = new Proxy(request, {
    get: (target, prop) => (prop === "body" ? invocation.body : (Reflect.get(target, prop, target) as unknown)),
  });
  const state: State = { requestOrigin: invocation.requestOrigin, actor: invocation.actor };
  states.set(req, state);

  return new Promise((resolve) => {
    const res = {
      statusCode: 200,
      setHeader: () => res,
      end: (body?: string) => {
        resolve(state.error ? { ok: false, error: state.error } : { ok: true, status: res.statusCode, body: body ?? "null" });
        return res;
      },
    };
    handler(req as unknown as NodeHTTPRequest, res as unknown as NodeHTTPResponse).catch((cause: unknown) => {
      resolve({ ok: false, error: new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause }) });
    });
  });
}

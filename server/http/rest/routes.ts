import {
  forEachOpenApiProcedure,
  getPathParameters,
  getPathRegExp,
  normalizePath,
  type OpenApiMethod,
  type OpenApiRouter,
} from "trpc-to-openapi";
import { z } from "zod";
import type { Role } from "../../auth/actor";
import { secretFieldOf } from "../../idempotency/secrets";

// The REST routes, read from the procedures' `meta.openapi`: the REST layer
// routes (404, 405) and checks requests itself before trpc-to-openapi runs them.
export type RestRoute = {
  method: OpenApiMethod;
  /** As in the OpenAPI document, e.g. "/finetunings/{finetuning_id}/cancel". */
  template: string;
  procedurePath: string;
  pathParams: string[];
  successStatus: number;
  /** POSTs honour Idempotency-Key. */
  idempotent: boolean;
  /** The procedure answers a page (`{ items, next_cursor }`); REST answers the items and links the next page. */
  paged: boolean;
  /** The role the procedure needs: checked before the body is looked at. */
  role: Role | undefined;
  /** The field of the answer holding a secret, which the idempotency store does not keep. */
  secretField: string | undefined;
  regExp: RegExp;
};

export type RouteMatch =
  { kind: "route"; route: RestRoute; params: Record<string, string> } | { kind: "wrong_method"; allowed: string[] } | { kind: "none" };

type RestMeta = { openapi: { method: OpenApiMethod; path: `/${string}` }; successStatus?: number; role?: Role };

/** A page as the typed tRPC client gets it: `{ items: [...], next_cursor }`. */
export function isPageSchema(output: unknown): boolean {
  if (!(output instanceof z.ZodObject)) return false;
  const keys = Object.keys(output.shape).sort();
  return keys.length === 2 && keys[0] === "items" && keys[1] === "next_cursor" && output.shape.items instanceof z.ZodArray;
}

/** The procedure's output parser (tRPC keeps it on `_def`, which trpc-to-openapi reads the same way). */
export function outputOf(procedure: unknown): unknown {
  return (procedure as { _def: { output?: unknown } })._def.output;
}

export function collectRoutes(router: OpenApiRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  forEachOpenApiProcedure(router._def.procedures, ({ path, type, meta, procedure }) => {
    if (type === "subscription") return;
    const { openapi, successStatus, role } = meta as RestMeta;
    const template = normalizePath(openapi.path);
    routes.push({
      method: openapi.method,
      template,
      procedurePath: path,
      pathParams: getPathParameters(template),
      successStatus: successStatus ?? 200,
      idempotent: openapi.method === "POST",
      paged: openapi.method === "GET" && isPageSchema(outputOf(procedure)),
      role,
      secretField: secretFieldOf(outputOf(procedure)),
      regExp: getPathRegExp(template),
    });
  });
  return routes;
}

/** `path` is relative to the REST base path, e.g. "/finetunings/abc". */
export function matchRoute(routes: RestRoute[], method: string, path: string): RouteMatch {
  const normalized = normalizePath(path);
  const onPath = routes.filter((route) => route.regExp.test(normalized));
  if (onPath.length === 0) return { kind: "none" };
  const route = onPath.find((r) => r.method === method);
  if (!route) return { kind: "wrong_method", allowed: onPath.map((r) => r.method) };
  return { kind: "route", route, params: route.regExp.exec(normalized)?.groups ?? {} };
}

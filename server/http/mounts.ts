import type { ApiMounts } from "../app-server";
import { OPENAPI_PATH, REST_BASE_PATH } from "./rest/constants";
import { HOSTED_PREFIX } from "./rest/dataherald";
import { createOpenApiNodeHandler, createRestNodeHandler } from "./rest/node";

/**
 * API handlers the app server answers before Next: REST v1, Dataherald's
 * hosted paths (the same REST layer) and the OpenAPI document. Other /api/*
 * paths go to Next, whose catch-all route answers them with a JSON 404.
 */
export function restMounts(): ApiMounts {
  const rest = createRestNodeHandler();
  return [
    { prefix: `${REST_BASE_PATH}/`, handler: rest },
    { prefix: HOSTED_PREFIX, handler: rest },
    { prefix: OPENAPI_PATH, handler: createOpenApiNodeHandler() },
  ];
}

import type { ApiMounts } from "../app-server";
import { OPENAPI_PATH, REST_BASE_PATH } from "./rest/constants";
import { createOpenApiNodeHandler, createRestNodeHandler } from "./rest/node";

/** API handlers the app server answers before Next: REST v1 and its OpenAPI document. */
export function restMounts(): ApiMounts {
  return [
    { prefix: `${REST_BASE_PATH}/`, handler: createRestNodeHandler() },
    { prefix: OPENAPI_PATH, handler: createOpenApiNodeHandler() },
  ];
}

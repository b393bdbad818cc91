import type { ApiMounts } from "../app-server";

/** API handlers the app server answers before Next: REST v1 and OpenAPI join here. */
export function restMounts(): ApiMounts {
  return [];
}

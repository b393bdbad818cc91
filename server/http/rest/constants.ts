/** Where the REST API lives; its OpenAPI paths are relative to this. */
export const REST_BASE_PATH = "/api/v1";
export const OPENAPI_PATH = "/api/openapi.json";

/** Where the REST API lives; its OpenAPI paths are relative to this. */
export const REST_BASE_PATH = "/api/v1";
export const OPENAPI_PATH = "/api/openapi.json";
/** Bodies above this are refused (413) before they are parsed; 10,000 golden records fit. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

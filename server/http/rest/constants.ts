/** Where the REST API lives; its OpenAPI paths are relative to this. */
export const REST_BASE_PATH = "/api/v1";
export const OPENAPI_PATH = "/api/openapi.json";
/** Bodies above this are refused (413) before they are read further. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The golden-record import's own limit: 5 MB of text, which JSON escaping may grow. */
export const MAX_IMPORT_BODY_BYTES = 11 * 1024 * 1024;

import { openApiResponse } from "@/server/http/rest/fetch";

// Public: the REST API's OpenAPI 3.1 document (the app server answers it too).
export const dynamic = "force-dynamic";
export const GET = openApiResponse;

import { unknownApiPathResponse } from "@/server/http/rest/fetch";

// Any /api/* path no other route claims answers a JSON 404 in the API's error
// shape, under the app server (which hands unknown paths to Next) and `next start` alike.
export const dynamic = "force-dynamic";
export {
  unknownApiPathResponse as GET,
  unknownApiPathResponse as HEAD,
  unknownApiPathResponse as POST,
  unknownApiPathResponse as PUT,
  unknownApiPathResponse as PATCH,
  unknownApiPathResponse as DELETE,
  unknownApiPathResponse as OPTIONS,
};

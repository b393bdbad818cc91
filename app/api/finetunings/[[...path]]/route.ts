import { handleRestFetch } from "@/server/http/rest/fetch";

// Dataherald's hosted paths (/api/finetunings…), which its SDK calls: the same
// REST layer and procedures as /api/v1. The app server answers them itself
// (server/http/mounts.ts); this route serves them when Next runs on its own.
export const dynamic = "force-dynamic";
export {
  handleRestFetch as GET,
  handleRestFetch as HEAD,
  handleRestFetch as POST,
  handleRestFetch as PUT,
  handleRestFetch as PATCH,
  handleRestFetch as DELETE,
  handleRestFetch as OPTIONS,
};

import { handleRestFetch } from "@/server/http/rest/fetch";

// The app server answers /api/v1 itself (server/http/mounts.ts); this route
// serves the same REST API when Next runs on its own (`next start`).
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

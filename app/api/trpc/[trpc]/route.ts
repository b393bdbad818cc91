import { handleTrpcFetch } from "@/server/http/trpc";

// The app server answers /api/trpc itself (server/app-server.ts); this route
// serves the same router when Next runs on its own (`next start`).
export const dynamic = "force-dynamic";
export { handleTrpcFetch as GET, handleTrpcFetch as POST };

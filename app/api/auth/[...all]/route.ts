import { handleAuthRequest } from "@/server/auth/auth-route";

// better-auth behind our own checks (closed api-key routes, sign-in limits).
export const dynamic = "force-dynamic";
export { handleAuthRequest as GET, handleAuthRequest as POST };

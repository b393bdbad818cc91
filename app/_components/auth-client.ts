"use client";

import { createAuthClient } from "better-auth/react";

// Same origin as the page: the session cookie is first-party and no CORS is involved.
export const authClient = createAuthClient();

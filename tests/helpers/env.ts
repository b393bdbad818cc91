import { inject } from "vitest";

// Imported first by every integration test: the app's env() reads these.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.BETTER_AUTH_SECRET ??= "test-secret-test-secret-test-secret-0000";
process.env.APP_URL ??= "http://localhost:3999";
process.env.DATABASE_POOL_SIZE ??= "20";

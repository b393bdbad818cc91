// One app instance for the scale-out scenario: its own front of the local
// sandbox over the shared database (as `npm start` starts it without
// OPENAI_API_KEY), and the product's tRPC handler (the API, the live feed) on a
// loopback port. The web pages are left out: the scenario drives the API.
// Prints "READY <origin>" when it serves.
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("DATABASE_URL is required");
const { launchSandbox } = await import("../../server/provider/sandbox/launch");
await launchSandbox({ databaseUrl });
const { startApiServer } = await import("../helpers/http");
const { origin } = await startApiServer();
console.log(`READY ${origin}`);

export {}; // a module (top-level await); its imports are dynamic so the sandbox launches first

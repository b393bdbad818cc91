// `npm run deps:check` (part of `npm test`): the import graph's rules.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Dependencies point one way. Type-only imports count: a cycle of types is still two layers that each know the other.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "telemetry-listens",
      comment:
        "Prometheus (server/telemetry/) subscribes to server/observations.ts; the product reports there and never imports the registry. Only the launchers (scripts/), the HTTP server that times requests, and tests reach it.",
      severity: "error",
      from: { path: "^(server|app)/", pathNot: ["^server/telemetry/", "^server/http/serve\\.ts$"] },
      to: { path: "^server/telemetry/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(server/generated|server/client/dist|tests/consumer/service|\\.next)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};

// `import "server-only"` marks a module that must never reach a browser bundle:
// Next fails the build when a client component's imports lead to one. Outside
// Next (the launchers, the worker, the CLI, scripts and tests run by tsx or
// vitest) the package's default export throws, as it would in a browser, so
// tsconfig.json's `paths` (which tsx, tsup and Playwright read) and the vitest
// configs' alias point `server-only` at this empty module instead.
export {};

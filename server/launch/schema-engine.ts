// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm).
// The native schema-engine binary that `prisma migrate` wants cannot be
// downloaded here, but the wasm build ships on npm and speaks to Postgres through
// a JS driver adapter (@prisma/adapter-pg) instead of its own sockets.
//
// The package's main entry does `import * as wasm from "./schema_engine_bg.wasm"`,
// which depends on wasm ES-module support in whatever loads it (tsx, vitest,
// bundlers). Instead we instantiate the .wasm ourselves and hand it to the
// generated glue module (`schema_engine_bg.js`), as Prisma's own loader does.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { ErrorCapturingSqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

export type SchemaEngine = glue.SchemaEngine;
export type { DiffTarget, MigrationList, SchemaFilter, SchemasContainer } from "@prisma/schema-engine-wasm/schema_engine_bg";

/** No tables or enums are managed outside Prisma in this project. */
export const NO_FILTER: glue.SchemaFilter = { externalTables: [], externalEnums: [] };

type WasmExports = WebAssembly.Exports & { __wbindgen_start: () => void };

let loaded: Promise<void> | undefined;

// The glue reports Rust panics through this global (see `__wbg_set_message_*`);
// without it a panic surfaces as "Cannot read properties of undefined".
type PanicRegistry = { message: string; set_message(message: string): void };
const globals = globalThis as typeof globalThis & { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };

/**
 * The glue's exports are the wasm module's imports. One change: the engine arms
 * a 10 s setTimeout (apparently its advisory-lock timeout) and, having no clearTimeout
 * import, never cancels it, so every CLI run would hang 10 s after finishing.
 * Unref'd timers still fire while the process has other work (the lock query's
 * socket keeps it alive) but no longer hold an otherwise finished process.
 */
function gluedImports(): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = { ...(glue as unknown as WebAssembly.ModuleImports) };
  for (const [name, value] of Object.entries(imports)) {
    if (!name.startsWith("__wbg_setTimeout_") || typeof value !== "function") continue;
    imports[name] = (...args: unknown[]): unknown => {
      const timer: unknown = Reflect.apply(value, undefined, args);
      if (timer instanceof Object && "unref" in timer) (timer as NodeJS.Timeout).unref();
      return timer;
    };
  }
  return imports;
}

function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    globals.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: "",
      set_message(message: string) {
        this.message = `RuntimeError: ${message}`;
      },
    };
    // The package's "exports" map does not list the .wasm file, so locate it
    // next to the glue module, which is exported.
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": gluedImports() });
    const exports = instance.exports as WasmExports;
    glue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return loaded;
}

/** The engine's error text, including a Rust panic message when there was one. */
export function engineErrorMessage(error: unknown): string {
  const panic = globals.PRISMA_WASM_PANIC_REGISTRY?.message;
  if (error instanceof WebAssembly.RuntimeError && panic) return panic;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Starts an engine bound to `adapter`. Callers must `free()` it when done: the
 * engine holds the adapter's connections (and, after applyMigrations, Prisma's
 * advisory lock on one of them) until then.
 */
export async function openSchemaEngine(
  adapter: ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  await loadWasm();
  return glue.SchemaEngine.new({ datamodels: undefined }, log, adapter);
}

import type {
  AnyMutationProcedure,
  AnyProcedure,
  AnyRouter,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from "@trpc/server";
import type { AppRouter as ServerAppRouter } from "../trpc/root";

// The API's type as a client sees it: every procedure's input and output, the
// error shape, and nothing of the server. The server's router type also holds
// its context (the Prisma client, the provider) and its OpenAPI meta, which a
// published declaration file would drag in; these mapped types drop both.
// They are written as `infer` + mapped types on purpose: TypeScript then
// prints the result expanded (plain object types) when it emits declarations,
// so the bundled .d.ts names nothing under server/.

type WireDef<P extends AnyProcedure> = { input: P["_def"]["$types"]["input"]; output: P["_def"]["$types"]["output"]; meta: object };

type WireProcedure<P extends AnyProcedure> = P extends infer Q extends AnyProcedure
  ? Q["_def"]["type"] extends "query"
    ? TRPCQueryProcedure<{ input: WireDef<Q>["input"]; output: WireDef<Q>["output"]; meta: object }>
    : Q["_def"]["type"] extends "mutation"
      ? TRPCMutationProcedure<{ input: WireDef<Q>["input"]; output: WireDef<Q>["output"]; meta: object }>
      : TRPCSubscriptionProcedure<{ input: WireDef<Q>["input"]; output: WireDef<Q>["output"]; meta: object }>
  : never;

type WireRecord<R> = R extends infer O ? { [K in keyof O]: O[K] extends AnyProcedure ? WireProcedure<O[K]> : WireRecord<O[K]> } : never;

type RootTypes<R extends AnyRouter> = R["_def"]["_config"]["$types"];

// Never called: its inferred return type is what the declaration emit expands
// (written out here rather than as a named type, whose name would be kept).
declare function wireRouterOf<R extends AnyRouter>(): TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: RootTypes<R>["errorShape"]; transformer: RootTypes<R>["transformer"] },
  WireRecord<R["_def"]["record"]>
>;
function _wireRouter() {
  return wireRouterOf<ServerAppRouter>();
}

/** The control room's API: what `createFinetuningClient` is typed by. */
export type AppRouter = ReturnType<typeof _wireRouter>;

/** "finetuning.cancel", …: the dotted path of every mutation. */
export type MutationPath<R = AppRouter["_def"]["record"], Prefix extends string = ""> = {
  [K in keyof R & string]: R[K] extends AnyMutationProcedure
    ? `${Prefix}${K}`
    : R[K] extends AnyProcedure
      ? never
      : MutationPath<R[K], `${Prefix}${K}.`>;
}[keyof R & string];

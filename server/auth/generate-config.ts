// Only for `npx auth@1.7 generate`, which needs an exported instance.
import { createDb } from "../db";
import { createAuth } from "./auth";

export const auth = createAuth(createDb("postgresql://schema-generation@127.0.0.1:1/none"));

import { defaultKeyHasher } from "@better-auth/api-key";
import { describe, expect, it } from "vitest";
import { hashApiKey } from "../../server/auth/api-key";

describe("the API key's stored hash", () => {
  it("is what better-auth's API-key plugin stores for the same key", async () => {
    for (const key of ["ftcr_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "x", "", "ключ-🔑-with unicode", "a".repeat(500)]) {
      expect(hashApiKey(key)).toBe(await defaultKeyHasher(key));
    }
  });
});

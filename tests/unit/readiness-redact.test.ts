import { describe, expect, it } from "vitest";
import { redact } from "../../server/health/readiness";

// What /api/ready says of a failed check never carries a secret.
describe("readiness details", () => {
  it("mask connection strings' credentials and keys by their shapes", () => {
    expect(redact("connect to postgres://app:hunter2@db:5432/x failed", [])).toBe("connect to postgres://***@db:5432/x failed");
    expect(redact("401: Incorrect API key provided: sk-proj-abcDEF123_456", [])).toBe("401: Incorrect API key provided: sk-***");
    expect(redact("key ftcr_0123456789abcdef refused", [])).toBe("key ftcr-*** refused");
    expect(redact("Unauthorized: tgp_v1_AbCdEf0123456789", [])).toBe("Unauthorized: tgp-***");
    const hex = "9f".repeat(32);
    expect(redact(`Invalid API key ${hex}.`, [])).toBe("Invalid API key ***.");
  });

  it("mask the configured keys as they are, whatever their shape", () => {
    expect(redact("the key Zq8-odd.shape:42 was refused", ["Zq8-odd.shape:42"])).toBe("the key *** was refused");
    // A short or empty setting masks nothing (it would mask ordinary words).
    expect(redact("provider unreachable", ["", "un"])).toBe("provider unreachable");
  });
});

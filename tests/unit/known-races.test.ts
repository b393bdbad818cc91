import { describe, expect, it } from "vitest";
import { isUndiciCloseRace } from "../../server/launch/known-races";

describe("isUndiciCloseRace", () => {
  const race = Object.assign(new TypeError("Invalid state: ReadableStream is already closed"), {
    code: "ERR_INVALID_STATE",
    stack:
      "TypeError: Invalid state: ReadableStream is already closed\n    at ReadableByteStreamController.enqueue\n    at node:internal/deps/undici/undici:6940:28",
  });

  it("recognises undici's double close, also as vitest hands it over (a plain object)", () => {
    expect(isUndiciCloseRace(race)).toBe(true);
    expect(isUndiciCloseRace({ code: race.code, message: race.message, stack: race.stack })).toBe(true);
  });

  it("lets every other error through: another state error, the same words elsewhere, anything else", () => {
    expect(
      isUndiciCloseRace(
        Object.assign(new TypeError("Invalid state: ReadableStream is locked"), { code: "ERR_INVALID_STATE", stack: race.stack }),
      ),
    ).toBe(false);
    expect(isUndiciCloseRace({ ...race, message: race.message, code: race.code, stack: "at our own code" })).toBe(false);
    expect(isUndiciCloseRace(new Error("ReadableStream is already closed"))).toBe(false);
    expect(isUndiciCloseRace("ERR_INVALID_STATE")).toBe(false);
    expect(isUndiciCloseRace(null)).toBe(false);
  });
});

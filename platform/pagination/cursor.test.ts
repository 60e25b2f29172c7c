import { Code, ConnectError } from "@connectrpc/connect";
import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.js";

function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ConnectError ? err.code : undefined;
  }
  return undefined;
}

describe("cursor", () => {
  it("round-trips a user id", () => {
    const id = uuidv7();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it("is URL-safe base64 of a small versioned JSON object", () => {
    const id = "01890a5d-ac96-774b-bcce-b302099a8057";
    const cursor = encodeCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor, "base64url").toString())).toEqual({ v: 1, id });
  });

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  it.each([
    ["garbage", "not a cursor!"],
    ["base64 of non-JSON", Buffer.from("hello").toString("base64url")],
    ["JSON that is not an object", encode([1, 2])],
    ["another version", encode({ v: 2, id: "01890a5d-ac96-774b-bcce-b302099a8057" })],
    ["an id that is not a UUID", encode({ v: 1, id: "1 OR 1=1" })],
    ["an uppercase id", encode({ v: 1, id: "01890A5D-AC96-774B-BCCE-B302099A8057" })],
    ["junk after a valid cursor", `${encodeCursor("01890a5d-ac96-774b-bcce-b302099a8057")}!!`],
  ])("rejects %s as INVALID_ARGUMENT", (_, cursor) => {
    expect(codeOf(() => decodeCursor(cursor))).toBe(Code.InvalidArgument);
  });

  it("says what to do in its error message", () => {
    expect(() => decodeCursor("x")).toThrow(/next_cursor from the previous page unchanged/);
  });
});

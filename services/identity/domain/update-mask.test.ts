import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { applyUpdateMask } from "./update-mask.js";

const values = { email: "ada@example.com", displayName: "Ada" };

function rejection(paths: string[], input = values): ConnectError {
  try {
    applyUpdateMask(paths, input);
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error("expected applyUpdateMask to throw");
}

describe("applyUpdateMask", () => {
  it("takes only the fields the mask names", () => {
    expect(applyUpdateMask(["display_name"], values)).toEqual({ displayName: "Ada" });
    expect(applyUpdateMask(["email"], values)).toEqual({ email: "ada@example.com" });
    expect(applyUpdateMask(["email", "display_name"], values)).toEqual(values);
  });

  it("tolerates a path named twice", () => {
    expect(applyUpdateMask(["email", "email"], values)).toEqual({ email: "ada@example.com" });
  });

  it("rejects an empty mask", () => {
    const err = rejection([]);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/at least one of: email, display_name/);
  });

  it.each([
    "user_id",
    "version",
    "create_time",
    "displayName",
    "*",
    "",
  ])("rejects the path %j", (path) => {
    const err = rejection([path]);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain(`"${path}"`);
  });

  it("rejects a masked field left empty", () => {
    expect(rejection(["display_name"], { ...values, displayName: "" }).code).toBe(
      Code.InvalidArgument,
    );
    expect(rejection(["email"], { ...values, email: "" }).code).toBe(Code.InvalidArgument);
  });

  it("ignores an empty field the mask does not name", () => {
    expect(applyUpdateMask(["email"], { ...values, displayName: "" })).toEqual({
      email: "ada@example.com",
    });
  });
});

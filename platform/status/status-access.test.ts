import { describe, expect, it } from "vitest";
import { createStatusAccess, parseAddressRule } from "./status-access.js";

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("createStatusAccess", () => {
  it("shows details to allow-listed addresses and CIDRs, IPv4-mapped included", () => {
    const access = createStatusAccess({ allow: ["127.0.0.0/8", "::1", "10.1.0.0/16", "fd00::/8"] });
    for (const address of [
      "127.0.0.1",
      "127.9.9.9",
      "::1",
      "10.1.200.3",
      "::ffff:10.1.0.1",
      "fd12::1",
    ]) {
      expect(access.canSeeDetails(address, undefined), address).toBe(true);
    }
    for (const address of ["10.2.0.1", "192.168.0.1", "::2", "fe80::1", "garbage", undefined]) {
      expect(access.canSeeDetails(address, undefined), String(address)).toBe(false);
    }
  });

  it("shows details to any address with the right basic-auth credentials", () => {
    const access = createStatusAccess({
      allow: [],
      username: "ops",
      password: "s3cret: with colon",
    });
    expect(access.canSeeDetails("203.0.113.9", basic("ops", "s3cret: with colon"))).toBe(true);
    expect(
      access.canSeeDetails("203.0.113.9", `basic ${basic("ops", "s3cret: with colon").slice(6)}`),
    ).toBe(true);
    expect(access.canSeeDetails("203.0.113.9", basic("ops", "s3cret"))).toBe(false);
    expect(access.canSeeDetails("203.0.113.9", basic("root", "s3cret: with colon"))).toBe(false);
    expect(access.canSeeDetails("203.0.113.9", "Bearer abc")).toBe(false);
    expect(access.canSeeDetails("203.0.113.9", "Basic !!!")).toBe(false);
    expect(access.canSeeDetails("203.0.113.9", undefined)).toBe(false);
  });

  it("accepts no credentials at all when none are configured", () => {
    const access = createStatusAccess({ allow: [] });
    expect(access.canSeeDetails("127.0.0.1", basic("", ""))).toBe(false);
  });

  it("refuses a half-configured login and entries that are not addresses", () => {
    expect(() => createStatusAccess({ allow: [], username: "ops" })).toThrow("set together");
    expect(() => createStatusAccess({ allow: ["10.0.0.0/33"] })).toThrow("not an IP or CIDR");
    expect(() => createStatusAccess({ allow: ["localhost"] })).toThrow("not an IP or CIDR");
  });
});

describe("parseAddressRule", () => {
  it("splits addresses and CIDRs and refuses the rest", () => {
    expect(parseAddressRule("10.0.0.0/8")).toEqual({
      address: "10.0.0.0",
      prefix: 8,
      family: "ipv4",
    });
    expect(parseAddressRule("::1")).toEqual({ address: "::1", prefix: undefined, family: "ipv6" });
    expect(parseAddressRule("fd00::/129")).toBeUndefined();
    expect(parseAddressRule("1.2.3.4/8/1")).toBeUndefined();
    expect(parseAddressRule("1.2.3.4/x")).toBeUndefined();
  });
});

import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientIp, ipRateLimitKey } from "./client-ip.js";

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe("clientIp", () => {
  it("is the socket's peer when no proxy is trusted, whatever the headers say", () => {
    expect(clientIp(request("203.0.113.7", "198.51.100.1"), 0)).toBe("203.0.113.7");
  });

  it("takes the entry our proxies appended, not what the client wrote before it", () => {
    const req = request("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.1");
    expect(clientIp(req, 1)).toBe("10.0.0.1");
    expect(clientIp(req, 2)).toBe("198.51.100.1");
  });

  it("falls back to the peer on a short chain or an entry that is not an IP", () => {
    expect(clientIp(request("10.0.0.2", "198.51.100.1"), 2)).toBe("10.0.0.2");
    expect(clientIp(request("10.0.0.2", "unknown"), 1)).toBe("10.0.0.2");
    expect(clientIp(request("10.0.0.2"), 1)).toBe("10.0.0.2");
  });

  it("shows an IPv4 client of a dual-stack socket as IPv4", () => {
    expect(clientIp(request("::ffff:192.0.2.1"), 0)).toBe("192.0.2.1");
  });
});

describe("ipRateLimitKey", () => {
  it("keys IPv4 by address", () => {
    expect(ipRateLimitKey("192.0.2.1")).toBe("ip:192.0.2.1");
  });

  it("keys IPv6 by its /64, however the address is written", () => {
    expect(ipRateLimitKey("2001:db8:0:1::5")).toBe("ip:2001:db8:0:1::/64");
    expect(ipRateLimitKey("2001:0db8:0000:0001:ffff:0:0:9")).toBe("ip:2001:db8:0:1::/64");
    expect(ipRateLimitKey("2001:db8::1")).toBe("ip:2001:db8:0:0::/64");
    expect(ipRateLimitKey("::1")).toBe("ip:0:0:0:0::/64");
    expect(ipRateLimitKey("fe80::1%eth0")).toBe("ip:fe80:0:0:0::/64");
  });
});

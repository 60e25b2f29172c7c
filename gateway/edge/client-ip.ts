import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * clientIp is the address of the client, for per-IP limits. With
 * `trustedProxyHops` 0 (the default) it is the socket's peer: headers are
 * the client's to forge. Behind N proxies of our own, each appending its
 * peer to `X-Forwarded-For`, the client is the N-th entry from the right;
 * entries further left were written by the client and are ignored
 * (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Forwarded-For#selecting_an_ip_address).
 * A chain shorter than promised, or an entry that is no IP, falls back to
 * the socket's peer, so a misconfiguration never lets the client choose.
 */
export function clientIp(req: IncomingMessage, trustedProxyHops: number): string {
  const peer = unmapIpv4(req.socket.remoteAddress ?? "");
  if (trustedProxyHops === 0) return peer;
  const forwarded = req.headers["x-forwarded-for"];
  if (forwarded === undefined) return peer;
  // Several X-Forwarded-For lines form one list (RFC 9110 §5.3).
  const hops = (typeof forwarded === "string" ? forwarded : forwarded.join(",")).split(",");
  const entry = hops[hops.length - trustedProxyHops]?.trim();
  return entry !== undefined && isIP(entry) !== 0 ? unmapIpv4(entry) : peer;
}

/**
 * ipRateLimitKey names the bucket of a client address: `ip:<IPv4>`, or
 * the /64 prefix of an IPv6 address (`ip:2001:db8:0:1::/64`). One IPv6
 * subscriber is routinely given a whole /64 (RFC 6177), so limiting single
 * addresses would let one client rotate through 2^64 of them.
 */
export function ipRateLimitKey(address: string): string {
  if (isIP(address) !== 6) return `ip:${address}`;
  return `ip:${ipv6Prefix64(address)}`;
}

// `::ffff:192.0.2.1` is how a dual-stack socket shows an IPv4 client.
function unmapIpv4(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function ipv6Prefix64(address: string): string {
  const [head = "", tail] = address.split("%")[0]!.split("::");
  const groupsOf = (text: string) => (text === "" ? [] : text.split(":"));
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  // An embedded IPv4 tail (`::ffff:0:192.0.2.1`) stands for two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const zeros = Array<string>(8 - width(before) - width(after)).fill("0");
  const groups = [...before, ...zeros, ...after].slice(0, 4);
  return `${groups.map((g) => Number.parseInt(g, 16).toString(16)).join(":")}::/64`;
}

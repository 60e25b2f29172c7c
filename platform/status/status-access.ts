import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";

/** StatusAccessOptions say who may see the details of `/status`. */
export interface StatusAccessOptions {
  /** Client addresses and CIDR blocks, e.g. `["127.0.0.0/8", "::1", "10.0.0.0/8"]`. */
  readonly allow: readonly string[];
  /** HTTP basic-auth credentials that see details from any address; both or neither. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** StatusAccess decides, per request, whether the details may be shown. */
export interface StatusAccess {
  /**
   * True when `remoteAddress` is allow-listed or `authorization` carries the
   * right basic-auth credentials. The socket's address is used, never
   * `X-Forwarded-For`, which any client can write.
   */
  canSeeDetails(remoteAddress: string | undefined, authorization: string | undefined): boolean;
}

/**
 * createStatusAccess builds the allow list once (a `node:net` BlockList,
 * which also matches IPv4-mapped IPv6 addresses against IPv4 rules) and the
 * digests of the credentials. Throws when an entry is not an address or
 * CIDR, or when only one of username and password is set.
 */
export function createStatusAccess(options: StatusAccessOptions): StatusAccess {
  const allowed = toBlockList(options.allow);
  const credentials = basicCredentials(options.username, options.password);
  return {
    canSeeDetails(remoteAddress, authorization) {
      if (remoteAddress !== undefined && isAllowed(allowed, remoteAddress)) return true;
      return credentials?.(authorization) === true;
    },
  };
}

/** parseAddressRule splits `10.0.0.0/8` or `::1` into address, prefix and family; undefined if invalid. */
export function parseAddressRule(
  rule: string,
): { address: string; prefix: number | undefined; family: "ipv4" | "ipv6" } | undefined {
  const [address = "", prefixText, extra] = rule.trim().split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  if (prefixText === undefined) return { address, prefix: undefined, family };
  const prefix = Number(prefixText);
  const max = version === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefixText) || prefix > max) return undefined;
  return { address, prefix, family };
}

function toBlockList(rules: readonly string[]): BlockList {
  const list = new BlockList();
  for (const rule of rules) {
    const parsed = parseAddressRule(rule);
    if (parsed === undefined)
      throw new Error(`STATUS_ALLOW: ${JSON.stringify(rule)} is not an IP or CIDR`);
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

function isAllowed(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
}

/**
 * basicCredentials returns a matcher for `Authorization: Basic …` (RFC
 * 7617). Both fields are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths, so neither the length nor a matching prefix of the secret
 * shows in the response time, and both are always compared.
 */
function basicCredentials(
  username: string | undefined,
  password: string | undefined,
): ((authorization: string | undefined) => boolean) | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new Error("STATUS_USERNAME and STATUS_PASSWORD must be set together");
  }
  const expectedUser = digest(username);
  const expectedPassword = digest(password);
  return (authorization) => {
    const given = parseBasic(authorization);
    if (given === undefined) return false;
    const userOk = timingSafeEqual(digest(given.username), expectedUser);
    const passwordOk = timingSafeEqual(digest(given.password), expectedPassword);
    return userOk && passwordOk;
  };
}

function parseBasic(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

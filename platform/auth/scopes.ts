/**
 * ADMIN_SCOPE lets a user read every user's data (object-level checks let it
 * through) and call administrative RPCs (ListUsers, CreateUser,
 * UpdateOrderStatus). It is never granted by sign-up.
 */
export const ADMIN_SCOPE = "admin";

/**
 * DEFAULT_USER_SCOPES are what a signed-up user holds: everything on their
 * own data. Keys get a subset of their owner's scopes.
 */
export const DEFAULT_USER_SCOPES: readonly string[] = Object.freeze([
  "users:read",
  "users:write",
  "orders:read",
  "orders:write",
  "api_keys:read",
  "api_keys:write",
]);

/** formatScopes is the space-separated `scope` claim (RFC 8693 §4.2, RFC 9068 §2.2.3). */
export function formatScopes(scopes: Iterable<string>): string {
  return [...scopes].join(" ");
}

/** parseScopes reads a `scope` claim; anything but a string is no scopes. */
export function parseScopes(claim: unknown): ReadonlySet<string> {
  if (typeof claim !== "string" || claim === "") return new Set();
  return new Set(claim.split(" ").filter((s) => s !== ""));
}

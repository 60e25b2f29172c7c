import type { Principal } from "./principal.js";
import { ADMIN_SCOPE } from "./scopes.js";

/** Access is what a call does to an object: reading it, or changing it. */
export type Access = "read" | "write";

/**
 * mayAccess is the object-level check (OWASP API1, BOLA) every handler that
 * takes an id makes: a user reaches only objects they own; the admin scope
 * reads all but changes only its own. A call without a principal comes from
 * a service its proto policy admits by mTLS identity, and acts for itself.
 *
 * When it says no, handlers answer exactly as if the object did not exist
 * (NOT_FOUND, same message), as GitHub does: a 403 would confirm the id.
 */
export function mayAccess(
  principal: Principal | undefined,
  ownerId: string,
  access: Access,
): boolean {
  if (principal === undefined) return true;
  if (principal.subject === ownerId) return true;
  return access === "read" && principal.scopes.has(ADMIN_SCOPE);
}

import { Code, ConnectError } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";
import { apiKeyLookup, hashApiKey, isApiKey } from "./api-key-format.js";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";
import { createVerifiedCache } from "./verified-cache.js";

/**
 * ApiKeyVerifier resolves an API key to the principal it acts for, or
 * UNAUTHENTICATED. A lookup it makes hangs under `parent` when given and
 * carries `requestId`, the id of the request being checked.
 */
export type ApiKeyVerifier = (
  secret: string,
  parent?: Span,
  requestId?: string,
) => Promise<Principal>;

/**
 * Authenticator verifies an `Authorization` header value. Undefined in,
 * undefined out (no credential); anything presented must verify or the
 * call fails UNAUTHENTICATED: a bad credential is never treated as none.
 * The answer comes at once when nothing has to be waited for (no
 * credential, or one verified before), else as a promise; a refusal is
 * always a rejected promise. `parent` is the span of the request being
 * checked, for a process that passes parents explicitly (the gateway);
 * without it, calls the check makes hang under the active span.
 * `requestId` is that request's id, which those calls pass on.
 */
export type Authenticator = (
  authorization: string | undefined,
  parent?: Span,
  requestId?: string,
) => Principal | undefined | Promise<Principal | undefined>;

/** AuthenticatorOptions configure {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  readonly tokens: TokenVerifier;
  readonly apiKeys: ApiKeyVerifier;
  /**
   * How long a verified API key is trusted without asking again; a revoked
   * key stops working within this time. Default 5 s.
   */
  readonly apiKeyCacheMs?: number;
}

// RFC 6750 §2.1: `Bearer` (case-insensitive) then one space and the token68.
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * createAuthenticator accepts `Authorization: Bearer <access token>` and
 * `Authorization: Bearer <API key>` (told apart by the key's prefix).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ttl = options.apiKeyCacheMs ?? 5_000;
  const keys = createVerifiedCache<Principal>(10_000);
  const verifyKey = (
    secret: string,
    parent: Span | undefined,
    requestId: string | undefined,
  ): Principal | Promise<Principal> => {
    // A key of the wrong shape is refused here: asking identity would
    // cost a call and a query (or fail its validation, which is not a
    // refusal), for a credential that cannot exist.
    if (apiKeyLookup(secret) === undefined) {
      return Promise.reject(new ConnectError("malformed API key", Code.Unauthenticated));
    }
    // Cached under the key's hash: the map never holds a usable secret.
    const id = hashApiKey(secret);
    const now = Date.now();
    const cached = keys.get(id, now);
    if (cached !== undefined) return cached;
    return options.apiKeys(secret, parent, requestId).then((principal) => {
      keys.set(id, principal, now + ttl);
      return principal;
    });
  };
  return (authorization, parent, requestId) => {
    if (authorization === undefined || authorization === "") return undefined;
    const credential = BEARER.exec(authorization)?.[1];
    if (credential === undefined) {
      return Promise.reject(
        new ConnectError("expected Authorization: Bearer <token>", Code.Unauthenticated),
      );
    }
    return isApiKey(credential)
      ? verifyKey(credential, parent, requestId)
      : options.tokens(credential);
  };
}

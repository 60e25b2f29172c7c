import { Code, ConnectError } from "@connectrpc/connect";
import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { ACCESS_TOKEN_ALGORITHMS, ACCESS_TOKEN_TYPE, type TokenAudience } from "./access-token.js";
import type { Principal } from "./principal.js";
import { parseScopes } from "./scopes.js";
import { createVerifiedCache } from "./verified-cache.js";

/**
 * TokenVerifier turns an access token into the principal it proves, or
 * UNAUTHENTICATED. A token it verified before comes back at once, not in a
 * promise: most calls carry one, and a promise per call is work for every
 * await hook in the process. A refusal is always a rejected promise.
 */
export type TokenVerifier = (token: string) => Principal | Promise<Principal>;

/** TokenVerifierOptions configure {@link createTokenVerifier}. */
export interface TokenVerifierOptions extends TokenAudience {
  /** Finds the key a token names by `kid` (a local or remote JWKS). */
  readonly keys: JWTVerifyGetKey;
  /** Verified tokens kept; default 10,000. */
  readonly cacheSize?: number;
  /** Allowed clock skew with the issuer; default 5 s. */
  readonly clockToleranceSeconds?: number;
}

/**
 * createTokenVerifier checks access tokens as RFC 9068 §4 asks: the
 * signature with an allow-listed algorithm (EdDSA only), `typ: at+jwt`,
 * `iss`, `aud`, `exp` (and `nbf` if present), and that `sub`, `iat` and
 * `jti` are there. A token that passed is cached until its `exp`, so a
 * process verifies each signature once.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const cache = createVerifiedCache<Principal>(options.cacheSize ?? 10_000);
  const verifyOptions = {
    algorithms: [...ACCESS_TOKEN_ALGORITHMS],
    typ: ACCESS_TOKEN_TYPE,
    issuer: options.issuer,
    audience: options.audience,
    requiredClaims: ["exp", "iat", "sub", "jti"],
    clockTolerance: options.clockToleranceSeconds ?? 5,
  };
  const verify = async (token: string): Promise<Principal> => {
    try {
      const { payload } = await jwtVerify(token, options.keys, verifyOptions);
      const principal: Principal = Object.freeze({
        kind: "user",
        subject: payload.sub!,
        scopes: parseScopes(payload["scope"]),
        credentialId: payload.jti!,
      });
      cache.set(token, principal, payload.exp! * 1000);
      return principal;
    } catch (err) {
      throw tokenRefused(err);
    }
  };
  return (token) => cache.get(token, Date.now()) ?? verify(token);
}

// One vague message per cause: the client learns whether to refresh
// (expired) or sign in again, nothing about keys or claims. The cause goes
// to the server log only.
function tokenRefused(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const expired = err instanceof errors.JWTExpired;
  return new ConnectError(
    expired ? "access token expired" : "access token invalid",
    Code.Unauthenticated,
    undefined,
    undefined,
    err,
  );
}

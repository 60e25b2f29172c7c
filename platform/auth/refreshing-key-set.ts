import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { PublicJwk } from "./signing-keys.js";

/** RefreshingKeySetOptions tune {@link createRefreshingKeySet}. */
export interface RefreshingKeySetOptions {
  /** Refetch when the set is older than this; default 10 minutes. */
  readonly maxAgeMs?: number;
  /**
   * At most one refetch per this long for unknown `kid`s, and after a
   * failed fetch while older keys still serve; default 30 s.
   */
  readonly cooldownMs?: number;
  /**
   * How long past `maxAgeMs` the keys last fetched keep verifying tokens
   * while refetching fails (the issuer unreachable); default 1 hour.
   */
  readonly maxStaleMs?: number;
  readonly now?: () => number;
}

/**
 * createRefreshingKeySet resolves a token's `kid` against a JWKS fetched
 * with `fetchKeys` (identity's GetJwks over mTLS) and cached. An unknown
 * `kid` refetches once per cooldown, so a key rotated in at identity is
 * picked up within seconds while garbage `kid`s cannot make every call
 * hit identity. Concurrent callers share one fetch. If a refetch fails,
 * the keys already known keep serving (up to `maxStaleMs` past their age)
 * and the next attempt waits out the cooldown: tokens signed by a known
 * key stay valid while identity is down, and a recovering identity is not
 * met with one fetch per request.
 */
export function createRefreshingKeySet(
  fetchKeys: () => Promise<readonly PublicJwk[]>,
  options: RefreshingKeySetOptions = {},
): JWTVerifyGetKey {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxStaleMs = options.maxStaleMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  let keySet: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let failedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<JWTVerifyGetKey> | undefined;

  const reload = (): Promise<JWTVerifyGetKey> => {
    loading ??= fetchKeys()
      .then((keys) => {
        keySet = createLocalJWKSet({ keys: keys.map((k) => ({ ...k })) } as JSONWebKeySet);
        fetchedAt = now();
        return keySet;
      })
      .catch((err: unknown) => {
        failedAt = now();
        throw err;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  // The keys to verify with now: the cached set while fresh; else a
  // refetch, or the cached set while it may still serve and fetching fails.
  const currentKeys = async (): Promise<JWTVerifyGetKey> => {
    const age = now() - fetchedAt;
    if (keySet !== undefined && age < maxAgeMs) return keySet;
    const usable = keySet !== undefined && age < maxAgeMs + maxStaleMs ? keySet : undefined;
    if (usable !== undefined && now() - failedAt < cooldownMs) return usable;
    try {
      return await reload();
    } catch (err) {
      if (usable === undefined) throw err;
      return usable;
    }
  };
  const coolingDown = () => now() - Math.max(fetchedAt, failedAt) < cooldownMs;

  return async (header, token) => {
    const current = await currentKeys();
    try {
      return await current(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || coolingDown()) throw err;
      return (await reload())(header, token);
    }
  };
}

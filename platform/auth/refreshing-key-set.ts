import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { PublicJwk } from "./signing-keys.js";

/** RefreshingKeySetOptions tune {@link createRefreshingKeySet}. */
export interface RefreshingKeySetOptions {
  /** Refetch when the set is older than this; default 10 minutes. */
  readonly maxAgeMs?: number;
  /** At most one refetch per this long for unknown `kid`s; default 30 s. */
  readonly cooldownMs?: number;
  readonly now?: () => number;
}

/**
 * createRefreshingKeySet resolves a token's `kid` against a JWKS fetched
 * with `fetchKeys` (identity's GetJwks over mTLS) and cached. An unknown
 * `kid` refetches once per cooldown, so a key rotated in at identity is
 * picked up within seconds while garbage `kid`s cannot make every call
 * hit identity. Concurrent callers share one fetch.
 */
export function createRefreshingKeySet(
  fetchKeys: () => Promise<readonly PublicJwk[]>,
  options: RefreshingKeySetOptions = {},
): JWTVerifyGetKey {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;
  let keySet: JWTVerifyGetKey | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<JWTVerifyGetKey> | undefined;

  const reload = (): Promise<JWTVerifyGetKey> => {
    loading ??= fetchKeys()
      .then((keys) => {
        keySet = createLocalJWKSet({ keys: keys.map((k) => ({ ...k })) } as JSONWebKeySet);
        fetchedAt = now();
        return keySet;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return async (header, token) => {
    const fresh = keySet !== undefined && now() - fetchedAt < maxAgeMs;
    const current = fresh ? keySet! : await reload();
    try {
      return await current(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || now() - fetchedAt < cooldownMs) throw err;
      return (await reload())(header, token);
    }
  };
}

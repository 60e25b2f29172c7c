/**
 * VerifiedCache remembers credentials already verified, until they expire,
 * so each process checks a token's signature once rather than on every call
 * (an EdDSA verification costs far more than the rest of a cached call).
 * Bounded: past `maxEntries` the oldest entry is dropped (Map keeps
 * insertion order), so a flood of distinct tokens cannot grow memory.
 */
export interface VerifiedCache<V> {
  get(key: string, now: number): V | undefined;
  set(key: string, value: V, expiresAt: number): void;
  delete(key: string): void;
}

/** createVerifiedCache makes a {@link VerifiedCache}. */
export function createVerifiedCache<V>(maxEntries: number): VerifiedCache<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (now < entry.expiresAt) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, expiresAt) {
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, { value, expiresAt });
    },
    delete(key) {
      entries.delete(key);
    },
  };
}

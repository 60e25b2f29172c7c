import { createHash, randomBytes } from "node:crypto";

/**
 * API_KEY_PREFIX starts every API key, so a key is told from a JWT at a
 * glance (JWTs start with "eyJ") and secret scanners can recognise leaked
 * ones, as GitHub's `ghp_` and Stripe's `sk_live_` prefixes allow.
 */
export const API_KEY_PREFIX = "ppk_";

// After the prefix: 12 characters of lookup id, then the 32-byte secret.
const LOOKUP_LENGTH = 12;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^ppk_[A-Za-z0-9_-]{12}[A-Za-z0-9_-]{43}$/;

/** NewApiKey is a freshly made key: `secret` goes to the client once, the rest is stored. */
export interface NewApiKey {
  readonly secret: string;
  /** Indexed column: finds the row without scanning hashes. */
  readonly lookup: string;
  /** What the owner sees in lists: the prefix and lookup id. */
  readonly displayPrefix: string;
  /** SHA-256 of the whole key, hex: the only form stored. */
  readonly hash: string;
}

/** generateApiKey makes a key with 256 bits of secret entropy. */
export function generateApiKey(): NewApiKey {
  const lookup = randomBytes(9).toString("base64url");
  const secret = `${API_KEY_PREFIX}${lookup}${randomBytes(SECRET_BYTES).toString("base64url")}`;
  return { secret, lookup, displayPrefix: `${API_KEY_PREFIX}${lookup}`, hash: hashApiKey(secret) };
}

/** isApiKey tells whether a bearer credential is shaped like an API key. */
export function isApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** apiKeyLookup is the key's lookup id, or undefined when it is malformed. */
export function apiKeyLookup(secret: string): string | undefined {
  if (!KEY_PATTERN.test(secret)) return undefined;
  return secret.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + LOOKUP_LENGTH);
}

/**
 * hashApiKey is SHA-256, hex. A fast hash is right here, unlike for
 * passwords: the key carries 256 random bits, so there is nothing to guess.
 */
export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

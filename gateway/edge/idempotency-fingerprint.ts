import { createHash } from "node:crypto";

/** FingerprintedRequest is what makes two requests "the same" for an idempotency key. */
export interface FingerprintedRequest {
  readonly method: string;
  /** The route's path template: two paths of one route differ only in `params`. */
  readonly pathTemplate: string;
  /** Path variables by field path, as the route matcher decoded them. */
  readonly params: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined for none. */
  readonly body: unknown;
}

/**
 * idempotencyFingerprint is the SHA-256 (base64url) of a request's
 * parameters in a canonical form: path variables sorted by name, query
 * parameters sorted by name (stable, so a repeated parameter keeps its
 * order, which is meaningful), and the body as JSON with object keys
 * sorted, so formatting and key order do not matter. A retry with the same
 * key and another fingerprint is refused (422, as the IETF Idempotency-Key
 * draft asks), as Stripe compares parameters; the body's hash is stored,
 * never the body.
 */
export function idempotencyFingerprint(request: FingerprintedRequest): string {
  const query = new URLSearchParams(request.query);
  query.sort();
  const canonical = JSON.stringify([
    request.method,
    request.pathTemplate,
    [...request.params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    query.toString(),
    canonicalJson(request.body),
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

/** canonicalJson rewrites a JSON value with every object's keys in UTF-16 code unit order. */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value === null || typeof value !== "object") return value;
  // No prototype: a "__proto__" key from JSON.parse stays an ordinary key.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    sorted[key] = canonicalJson((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

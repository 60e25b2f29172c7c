// The headers the gateway's edge adds (gateway/runtime/create-gateway-handler.ts
// and gateway/edge/), described once under `components` and referenced by
// every response and operation that carries them.

/** HeaderName names a header of {@link headerComponents}. */
export type HeaderName =
  | "X-Request-ID"
  | "RateLimit"
  | "RateLimit-Policy"
  | "Retry-After"
  | "Idempotent-Replayed";

/** headerComponents are `components.headers`: response headers of the edge. */
export const headerComponents: Readonly<Record<HeaderName, object>> = {
  "X-Request-ID": {
    description:
      "Identifies the request in the platform's logs: the client's own `X-Request-ID` when well-formed, else a new UUID. On every response.",
    schema: { type: "string" },
  },
  // draft-ietf-httpapi-ratelimit-headers (-10), §4 and §5; gateway/edge/rate-limit-headers.ts.
  RateLimit: {
    description:
      'What remains of this operation\'s rate-limit budget: `"<class>";r=<requests left>;t=<seconds until the budget is full again>`. Sent on every response of an operation whose class is limited, errors included (draft-ietf-httpapi-ratelimit-headers).',
    schema: { type: "string", examples: ['"read";r=599;t=1'] },
  },
  "RateLimit-Policy": {
    description:
      'The budget this operation draws from: `"<class>";q=<requests>;w=<seconds>`. Limits are per caller (per client IP for anonymous calls and the `auth` class) and per gateway instance.',
    schema: { type: "string", examples: ['"read";q=600;w=60'] },
  },
  "Retry-After": {
    description: "Seconds until the next request is admitted (RFC 9110 §10.2.3).",
    schema: { type: "integer", minimum: 0 },
  },
  "Idempotent-Replayed": {
    description:
      "`true` when this is the saved answer to an earlier request with the same `Idempotency-Key`, not a new execution.",
    schema: { type: "string", const: "true" },
  },
};

/** headerRefs references the named components, as a response's `headers`. */
export function headerRefs(names: readonly HeaderName[]): Record<string, object> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

import type { JsonSchema } from "./openapi-schema.js";

// What the gateway adds to every operation, whatever the proto says: the
// error envelope, the request headers it reads and the JSON conventions.

/** apiDescription is `info.description`: the conventions every operation shares. */
export const apiDescription = `The public REST/JSON API, generated from the platform's protobuf services (google.api.http annotations).

**JSON.** Bodies follow the protobuf JSON mapping (ProtoJSON). Responses use the proto field names (snake_case); requests accept them and the lowerCamelCase JSON names. 64-bit integers are strings, enums are value names, timestamps are RFC 3339 strings, durations are seconds with an "s" suffix ("1.5s"), bytes are base64. Unknown fields are rejected.

**Errors.** Every error has a 4xx or 5xx status and the body \`{"error": {"code", "message", "details": [{"field", "reason"}], "request_id"}}\` (see \`Error\`). \`code\` is stable and machine-readable; \`message\` is for humans.

**Paths.** A path parameter that is part of a resource name (it has an \`x-pattern\`) is one segment of that name; its description shows the value the request receives.

**Lists** page with a cursor: pass a response's \`next_cursor\` as \`cursor\` to get the next page while \`has_more\` is true.

**Authentication.** Send \`Authorization: Bearer <access token or API key>\` (see \`bearerAuth\`). Each operation's \`security\` lists the scopes it requires; without a valid credential it answers 401, without a scope 403. Operations whose \`security\` is empty need no credential.

**Rate limits.** Every operation draws from a budget (its class is named in its description). Responses carry \`RateLimit\` and \`RateLimit-Policy\`; over the budget the answer is 429 with \`Retry-After\`.

**Retries.** Authenticated POST and PATCH operations accept an \`Idempotency-Key\` header; a retry with the same key does not repeat the effect.`;

/** errorSchema is the envelope of every gateway error (DESIGN.md "Gateway (generated)"). */
export const errorSchema: JsonSchema = {
  type: "object",
  description: "The body of every error response (4xx and 5xx).",
  properties: {
    error: {
      type: "object",
      properties: {
        code: {
          type: "string",
          description:
            'Stable, machine-readable error code, e.g. "VALIDATION_FAILED" or "NOT_FOUND".',
        },
        message: { type: "string", description: "Human-readable explanation; do not parse it." },
        details: {
          type: "array",
          description: "What was wrong with which request field, for validation errors.",
          items: {
            type: "object",
            properties: {
              field: { type: "string", description: 'The request field at fault, e.g. "email".' },
              reason: { type: "string", description: "Why the value was rejected." },
            },
          },
        },
        request_id: {
          type: "string",
          description:
            "Identifies the request in the platform's logs; quote it when reporting a problem.",
        },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

/** idempotencyKeyParameter is the header authenticated POST and PATCH operations accept (Stripe semantics, docs/gateway.md). */
export const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "A unique value (e.g. a UUID) that makes retrying this request safe. The first request " +
    "with a key runs and its answer, success or error, is saved; a retry with the same key " +
    "and parameters gets that answer again with `Idempotent-Replayed: true`. While the first " +
    "still runs: 409 `IDEMPOTENCY_KEY_IN_USE`; with other parameters: 422 " +
    "`IDEMPOTENCY_KEY_REUSED`. Nothing is saved for a request refused before it ran (400, " +
    "401, 403, 429, 503), so a corrected retry may reuse the key. Keys belong to the caller's " +
    "account and are kept 24 hours.",
  // An empty or longer key is 400 IDEMPOTENCY_KEY_INVALID (gateway/edge/idempotency-key.ts).
  schema: { type: "string", minLength: 1, maxLength: 255 },
};

/** requestIdParameter is the `X-Request-ID` header every operation accepts and echoes. */
export const requestIdParameter = {
  name: "X-Request-ID",
  in: "header",
  required: false,
  description:
    "Your id for this request, echoed in the `X-Request-ID` response header and logged by every service it reaches. A value that does not match the pattern is replaced by a new UUID.",
  // platform/rpc/request-id.ts: short printable tokens only, so no log injection.
  schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
};

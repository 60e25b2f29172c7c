import type { JsonSchema } from "./openapi-schema.js";

// What the gateway adds to every operation, whatever the proto says: the
// error envelope, the Idempotency-Key header and the JSON conventions.

/** apiDescription is `info.description`: the conventions every operation shares. */
export const apiDescription = `The public REST/JSON API, generated from the platform's protobuf services (google.api.http annotations).

**JSON.** Bodies follow the protobuf JSON mapping (ProtoJSON). Responses use the proto field names (snake_case); requests accept them and the lowerCamelCase JSON names. 64-bit integers are strings, enums are value names, timestamps are RFC 3339 strings, durations are seconds with an "s" suffix ("1.5s"), bytes are base64. Unknown fields are rejected.

**Errors.** Every error has a 4xx or 5xx status and the body \`{"error": {"code", "message", "details": [{"field", "reason"}], "request_id"}}\` (see \`Error\`). \`code\` is stable and machine-readable; \`message\` is for humans.

**Paths.** A path parameter that is part of a resource name (it has an \`x-pattern\`) is one segment of that name; its description shows the value the request receives.

**Lists** page with a cursor: pass a response's \`next_cursor\` as \`cursor\` to get the next page while \`has_more\` is true.

**Retries.** POST and PATCH accept an \`Idempotency-Key\` header; a retry with the same key does not repeat the effect.`;

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

/** errorResponse is every operation's `default` response. */
export const errorResponse = {
  description: "An error. The status follows the error code (400, 401, 403, 404, 409, 429, 5xx).",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

/** idempotencyKeyParameter is the header POST and PATCH operations accept (Stripe semantics). */
export const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "A unique value (e.g. a UUID) that makes retrying this request safe: " +
    "repeating it with the same key does not repeat its effect.",
  schema: { type: "string", maxLength: 255 },
};

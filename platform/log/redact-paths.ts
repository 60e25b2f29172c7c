/**
 * redactPaths lists the log fields pino replaces with `"[redacted]"`.
 * Paths use pino's redact syntax (https://getpino.io/#/docs/redaction): a
 * bare key matches only the top level and `*.key` exactly one level down,
 * so common nestings (request headers, config objects) are spelled out.
 * Both camelCase and the snake_case of public JSON are covered.
 */
export const redactPaths: readonly string[] = Object.freeze([
  ...anyLevel([
    "password",
    "passwd",
    // A password hash leaked to logs can be cracked offline.
    "passwordHash",
    "password_hash",
    "token",
    "accessToken",
    "access_token",
    "refreshToken",
    "refresh_token",
    "idToken",
    "id_token",
    "authorization",
    "cookie",
    "apiKey",
    "api_key",
    "secret",
    "clientSecret",
    "client_secret",
    "privateKey",
    "private_key",
    "databaseUrl",
    "database_url",
    "natsUrl",
    // PII: logs are kept longer and read by more people than the database.
    "email",
    "phone",
  ]),
  ...underHeaders([
    "authorization",
    "cookie",
    '"set-cookie"',
    '"x-api-key"',
    '"proxy-authorization"',
  ]),
]);

// `key` at the top level and one level down (e.g. `user.password`).
function anyLevel(keys: readonly string[]): string[] {
  return keys.flatMap((key) => [key, `*.${key}`]);
}

// HTTP headers as logged by request/response serializers and by hand.
function underHeaders(names: readonly string[]): string[] {
  const owners = ["headers", "req.headers", "res.headers", "request.headers", "response.headers"];
  return owners.flatMap((owner) => names.map((name) => `${owner}[${name}]`));
}

/** The gateway's edge settings: parsing, defaults and the problems an operator sees. */
import { describe, expect, it } from "vitest";
import { loadGatewayConfig, rateLimitsOf } from "../../gateway/gateway-config.js";
import { ConfigError } from "../../platform/config/index.js";

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("gateway edge config", () => {
  it("defaults to per-class limits, auth the strictest, and no CORS", () => {
    const config = loadGatewayConfig({});
    expect(rateLimitsOf(config)).toEqual({
      default: { quota: 300, windowS: 60 },
      read: { quota: 600, windowS: 60 },
      write: { quota: 120, windowS: 60 },
      auth: { quota: 10, windowS: 60 },
      expensive: { quota: 30, windowS: 60 },
    });
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustedProxyHops).toBe(0);
    expect(config.idempotencyRetentionMs).toBe(24 * 3_600_000);
  });

  it("trusts a client's traceparent unless TRACE_TRUST_CLIENT says otherwise", () => {
    expect(loadGatewayConfig({}).traceTrustClient).toBe(true);
    expect(loadGatewayConfig({ TRACE_TRUST_CLIENT: "false" }).traceTrustClient).toBe(false);
    expect(problemsOf({ TRACE_TRUST_CLIENT: "maybe" })).toEqual([
      expect.stringContaining("TRACE_TRUST_CLIENT"),
    ]);
  });

  it("reads budgets as requests/seconds, or off", () => {
    const config = loadGatewayConfig({ RATE_LIMIT_AUTH: "5/300", RATE_LIMIT_EXPENSIVE: "off" });
    expect(rateLimitsOf(config).auth).toEqual({ quota: 5, windowS: 300 });
    expect(rateLimitsOf(config).expensive).toBeUndefined();
  });

  it("names every malformed setting", () => {
    expect(
      problemsOf({
        RATE_LIMIT_READ: "600 per minute",
        CORS_ORIGINS: "https://app.example.com/,app.example.com",
        TRUSTED_PROXY_HOPS: "-1",
      }),
    ).toEqual([
      expect.stringMatching(/^RATE_LIMIT_READ: expected <requests>\/<seconds>/),
      expect.stringMatching(/^TRUSTED_PROXY_HOPS: expected integer 0\.\.10/),
      expect.stringMatching(/^CORS_ORIGINS: expected origins like https:\/\/app.example.com/),
    ]);
  });

  it("accepts exact origins and *", () => {
    const config = loadGatewayConfig({
      CORS_ORIGINS: "https://app.example.com, http://localhost:3000",
    });
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(loadGatewayConfig({ CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
  });

  it("refuses * with credentials", () => {
    expect(problemsOf({ CORS_ORIGINS: "*", CORS_ALLOW_CREDENTIALS: "true" })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS: \* cannot be combined with CORS_ALLOW_CREDENTIALS/),
    ]);
  });
});

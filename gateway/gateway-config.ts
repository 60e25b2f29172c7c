import { z } from "zod";
import {
  authSettings,
  bool,
  ConfigError,
  type ConfigValues,
  defineConfig,
  env,
  integer,
  loadConfig,
  platformSettings,
  port,
  statusSettings,
} from "../platform/config/index.js";
import {
  DEFAULT_RATE_LIMITS,
  type RateLimitClassName,
  type RateLimits,
} from "./edge/rate-limits.js";

/**
 * gatewayConfig is the gateway's one config schema (STYLE.md 11). It reuses
 * the platform's keys for logging, identity (the gateway's own mTLS
 * certificate, service name `gateway`), shutdown and UPSTREAMS (a service
 * it does not list is `https://<name>:50051`, its Kubernetes Service), and
 * the status pages, build and tracing settings (statusSettings), and adds
 * the public port, the per-request limits and the public-edge protections
 * (rate limits, CORS, idempotency keys). It has no RPC port; its database
 * (DATABASE_URL, else PGlite under DATA_DIR/gateway) holds idempotency keys.
 */
export const gatewayConfig = defineConfig({
  ...gatewaySettings(),
  ...statusSettings(),
  ...authSettings(),
  ...socketSettings(),
  ...rateLimitSettings(),
  ...corsSettings(),
  ...idempotencySettings(),
});

function gatewaySettings() {
  const platform = platformSettings({ rpcPort: 0, adminPort: 9080 });
  return {
    logLevel: platform.logLevel,
    host: platform.host,
    adminPort: platform.adminPort,
    certsDir: platform.certsDir,
    trustDomain: platform.trustDomain,
    tlsCertPath: platform.tlsCertPath,
    tlsKeyPath: platform.tlsKeyPath,
    tlsCaPath: platform.tlsCaPath,
    tlsReloadIntervalMs: platform.tlsReloadIntervalMs,
    shutdownDelayMs: platform.shutdownDelayMs,
    shutdownTimeoutMs: platform.shutdownTimeoutMs,
    upstreams: platform.upstreams,
    maxMessageBytes: platform.maxMessageBytes,
    traceTrustClient: env(
      "TRACE_TRUST_CLIENT",
      bool(),
      "Whether a client's traceparent parents the request's span (and its sampled flag is followed); when false each request starts its own trace, linked to the client's",
      { default: true },
    ),
    databaseUrl: platform.databaseUrl,
    dataDir: platform.dataDir,
    dbPoolMax: platform.dbPoolMax,
    dbStatementTimeoutMs: platform.dbStatementTimeoutMs,
    port: env("PORT", port(), "Public REST/JSON port (plain HTTP/1.1)", { default: 8080 }),
    requestTimeoutMs: env(
      "REQUEST_TIMEOUT_MS",
      integer(1, 600_000),
      "Deadline of each request's RPC, propagated upstream",
      { default: 10_000 },
    ),
    maxBodyBytes: env("MAX_BODY_BYTES", integer(0, 2 ** 31 - 1), "Largest request body (413)", {
      default: 1024 * 1024,
    }),
  };
}

// Socket timeouts for a public edge (gateway/public-server.ts).
function socketSettings() {
  const ms = integer(1, 3_600_000);
  return {
    httpHeadersTimeoutMs: env(
      "HTTP_HEADERS_TIMEOUT_MS",
      ms,
      "Time a client has to send its request headers (slowloris)",
      { default: 10_000 },
    ),
    httpRequestTimeoutMs: env(
      "HTTP_REQUEST_TIMEOUT_MS",
      ms,
      "Time a client has to send its whole request; at least HTTP_HEADERS_TIMEOUT_MS",
      { default: 30_000 },
    ),
    httpKeepAliveTimeoutMs: env(
      "HTTP_KEEP_ALIVE_TIMEOUT_MS",
      ms,
      "Idle keep-alive connections close after this; above the load balancer's idle timeout",
      { default: 65_000 },
    ),
  };
}

function rateLimitSettings() {
  const limit = (name: RateLimitClassName, what: string) =>
    env(`RATE_LIMIT_${name.toUpperCase()}`, rateLimitQuota(), `${what}: requests/seconds, or off`, {
      default: DEFAULT_RATE_LIMITS[name],
    });
  return {
    rateLimitDefault: limit("default", "Budget of routes without a rate-limit class"),
    rateLimitRead: limit("read", "Budget of read routes, per principal or IP"),
    rateLimitWrite: limit("write", "Budget of write routes, per principal or IP"),
    rateLimitAuth: limit("auth", "Budget of sign-up/sign-in routes, per client IP"),
    rateLimitExpensive: limit("expensive", "Budget of expensive routes, per principal or IP"),
    rateLimitMaxKeys: env(
      "RATE_LIMIT_MAX_KEYS",
      integer(1000, 10_000_000),
      "Most rate-limit buckets kept per class and instance",
      { default: 100_000 },
    ),
    trustedProxyHops: env(
      "TRUSTED_PROXY_HOPS",
      integer(0, 10),
      "Proxies of ours in front of the gateway whose X-Forwarded-For is trusted",
      { default: 0 },
    ),
  };
}

function corsSettings() {
  return {
    corsOrigins: env(
      "CORS_ORIGINS",
      originList(),
      "Origins browsers may call from (https://app.example.com,…), or *; none when unset",
      { default: Object.freeze([]) as readonly string[] },
    ),
    corsAllowCredentials: env(
      "CORS_ALLOW_CREDENTIALS",
      bool(),
      "Let those origins send credentials (cookies); never with *",
      { default: false },
    ),
    corsMaxAgeS: env("CORS_MAX_AGE_S", integer(0, 86_400), "Preflight cache time in seconds", {
      default: 600,
    }),
  };
}

function idempotencySettings() {
  return {
    idempotencyRetentionMs: env(
      "IDEMPOTENCY_RETENTION_MS",
      integer(60_000, 30 * 86_400_000),
      "How long Idempotency-Keys and their responses are kept",
      { default: 86_400_000 },
    ),
    idempotencyCleanupIntervalMs: env(
      "IDEMPOTENCY_CLEANUP_INTERVAL_MS",
      integer(1_000, 86_400_000),
      "Time between two deletions of expired Idempotency-Keys",
      { default: 600_000 },
    ),
  };
}

/** rateLimitQuota parses `600/60` (600 requests per 60 s), or `off`. */
function rateLimitQuota() {
  const expected = "expected <requests>/<seconds> like 600/60, or off";
  return z
    .string()
    .trim()
    .regex(/^(off|[1-9]\d{0,8}\/[1-9]\d{0,5})$/, { error: expected })
    .transform((value) => {
      if (value === "off") return undefined;
      const [quota, windowS] = value.split("/").map(Number) as [number, number];
      return Object.freeze({ quota, windowS });
    });
}

/**
 * originList parses comma-separated origins, each exactly as a browser
 * sends it in `Origin` (scheme, host, port; no path or trailing slash), or
 * `*`: a near miss would silently never match.
 */
function originList() {
  const expected = "expected origins like https://app.example.com separated by commas, or *";
  return z
    .string()
    .trim()
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isOrigin, { error: expected })))
    .transform((origins) => Object.freeze(origins) as readonly string[]);
}

function isOrigin(value: string): boolean {
  if (value === "*") return true;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

/** GatewayConfig is the loaded, frozen gateway configuration. */
export type GatewayConfig = ConfigValues<typeof gatewayConfig>;

/**
 * loadGatewayConfig loads {@link gatewayConfig} and checks the rules that
 * span several keys; it throws one ConfigError listing every problem.
 */
export function loadGatewayConfig(vars: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfig, vars);
  const problems: string[] = [];
  if (config.corsAllowCredentials && config.corsOrigins.includes("*")) {
    problems.push(
      "CORS_ORIGINS: * cannot be combined with CORS_ALLOW_CREDENTIALS=true (browsers refuse it); list the origins",
    );
  }
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    problems.push("HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** rateLimitsOf gathers the per-class budgets of a loaded config. */
export function rateLimitsOf(config: GatewayConfig): RateLimits {
  return {
    default: config.rateLimitDefault,
    read: config.rateLimitRead,
    write: config.rateLimitWrite,
    auth: config.rateLimitAuth,
    expensive: config.rateLimitExpensive,
  };
}

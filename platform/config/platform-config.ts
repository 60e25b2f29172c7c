import { isIP } from "node:net";
import { z } from "zod";
import { type ConfigShape, type ConfigValues, defineConfig, env } from "./define-config.js";
import { integer, oneOf, port, ratio, text, url } from "./env-schemas.js";
import { upstreamList } from "./upstreams.js";

/** logLevels are pino's levels; `silent` turns logging off (tests). */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * DEFAULT_TLS_RELOAD_INTERVAL_MS: mounted certificates are re-read once a
 * minute, far inside the third of a lifetime cert-manager leaves after renewing.
 */
export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 60_000;

/**
 * ServicePorts are the per-service defaults for the two listening ports, so
 * every service can run side by side on one machine without any env vars.
 */
export interface ServicePorts {
  readonly rpcPort: number;
  readonly adminPort: number;
}

// SPIFFE trust domains are lowercase DNS-like names
// (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#21-trust-domain).
const trustDomainSchema = text().regex(/^[a-z0-9._-]+$/, {
  error: "expected a lowercase trust domain like protoplane.local",
});

/**
 * platformSettings are the keys every protoplane process reads. The service
 * name is not among them: it comes from code, so a typo in an env var cannot
 * make one service impersonate another.
 */
export function platformSettings(ports: ServicePorts) {
  return { ...serverSettings(ports), ...dataSettings(), ...statusSettings(), ...authSettings() };
}

/**
 * authSettings say which access tokens every process accepts (docs/auth.md):
 * `iss` and `aud` must match, and how long a verified API key is trusted
 * before identity is asked again (the longest a revoked key still works).
 */
export function authSettings() {
  return {
    authIssuer: env("AUTH_ISSUER", text(), "`iss` of access tokens", { default: "protoplane" }),
    authAudience: env("AUTH_AUDIENCE", text(), "`aud` of access tokens", {
      default: "protoplane-api",
    }),
    authApiKeyCacheMs: env(
      "AUTH_API_KEY_CACHE_MS",
      integer(0, 600_000),
      "How long a verified API key is trusted before asking identity again",
      { default: 5_000 },
    ),
  };
}

// Listening, identity and lifecycle of the process.
function serverSettings(ports: ServicePorts) {
  return {
    logLevel: env("LOG_LEVEL", oneOf(logLevels), "Minimum log level", { default: "info" }),
    rpcPort: env("RPC_PORT", port(), "mTLS RPC port", { default: ports.rpcPort }),
    adminPort: env("ADMIN_PORT", port(), "Admin HTTP port", { default: ports.adminPort }),
    host: env("HOST", text(), "Address both ports bind to", { default: "127.0.0.1" }),
    certsDir: env("CERTS_DIR", text(), "CA and service certificates", { default: ".certs" }),
    trustDomain: env("TRUST_DOMAIN", trustDomainSchema, "SPIFFE trust domain", {
      default: "protoplane.local",
    }),
    tlsCertPath: env(
      "TLS_CERT_PATH",
      text().optional(),
      "Service certificate (cert-manager); dev PKI when unset",
    ),
    tlsKeyPath: env("TLS_KEY_PATH", text().optional(), "Service private key"),
    tlsCaPath: env("TLS_CA_PATH", text().optional(), "CA that signs peers"),
    tlsReloadIntervalMs: env(
      "TLS_RELOAD_INTERVAL_MS",
      integer(100, 3_600_000),
      "How often TLS_*_PATH files are re-read for a renewed certificate",
      { default: DEFAULT_TLS_RELOAD_INTERVAL_MS },
    ),
    shutdownDelayMs: env(
      "SHUTDOWN_DELAY_MS",
      integer(0, 600_000),
      "Wait after readiness turns 503, so load balancers stop routing",
      {
        default: 0,
      },
    ),
    shutdownTimeoutMs: env("SHUTDOWN_TIMEOUT_MS", integer(0, 600_000), "Drain deadline", {
      default: 10_000,
    }),
    upstreams: env(
      "UPSTREAMS",
      upstreamList(),
      "RPC base URL per service called, e.g. identity=https://127.0.0.1:50051; unlisted: https://<name>:50051",
      { default: Object.freeze({}) },
    ),
    maxMessageBytes: env("MAX_MESSAGE_BYTES", integer(1024, 2 ** 31 - 1), "Largest RPC message", {
      default: 4 * 1024 * 1024,
    }),
    rpcMaxConnectionAgeMs: env(
      "RPC_MAX_CONNECTION_AGE_MS",
      integer(0, 86_400_000),
      "Close each RPC connection gracefully after this long (±10%), so callers reconnect and spread over new pods; 0: never",
      { default: 0 },
    ),
  };
}

// Storage and messaging. Connection URLs may embed credentials, so both are
// secrets: a malformed one is reported without its value.
/** dataSettings are the storage and messaging keys; scripts pick the ones they need. */
export function dataSettings() {
  const postgres = url(["postgres", "postgresql"]).optional();
  const nats = url(["nats", "tls", "ws", "wss"]).optional();
  const timeout = integer(1, 3_600_000);
  return {
    databaseUrl: env("DATABASE_URL", postgres, "Postgres; PGlite when unset", { secret: true }),
    natsUrl: env("NATS_URL", nats, "NATS; in-process broker when unset", { secret: true }),
    dataDir: env("DATA_DIR", text(), "Embedded data (PGlite)", { default: ".data" }),
    dbPoolMax: env("DB_POOL_MAX", integer(1, 1000), "Max Postgres connections", { default: 10 }),
    dbStatementTimeoutMs: env("DB_STATEMENT_TIMEOUT_MS", timeout, "Postgres statement_timeout", {
      default: 5_000,
    }),
  };
}

/**
 * statusSettings are the admin port's /status pages (docs/operating.md,
 * "Status": how often the background checks run, who sees more than the
 * overall status), what build is running, and tracing.
 */
export function statusSettings() {
  const ms = integer(1, 3_600_000);
  return {
    statusIntervalMs: env("STATUS_INTERVAL_MS", ms, "Time between /status background checks", {
      default: 5_000,
    }),
    statusTimeoutMs: env("STATUS_TIMEOUT_MS", ms, "Budget of one /status check", {
      default: 2_000,
    }),
    statusDbSlowMs: env("STATUS_DB_SLOW_MS", ms, "Database ping slower than this is WARN", {
      default: 100,
    }),
    statusAllow: env(
      "STATUS_ALLOW",
      addressList(),
      "Client IPs/CIDRs that see /status details, comma-separated; `none` for nobody",
      { default: ["127.0.0.0/8", "::1"] },
    ),
    statusUsername: env(
      "STATUS_USERNAME",
      text().optional(),
      "Basic-auth user for /status details",
    ),
    // Not trimmed: a password may begin or end with a space.
    statusPassword: env("STATUS_PASSWORD", z.string().min(1).optional(), "Its password", {
      secret: true,
    }),
    gitSha: env(
      "GIT_SHA",
      text().optional(),
      "Commit of this build (image build arg); else dist/ or git",
    ),
    buildTime: env("BUILD_TIME", text().optional(), "When this build was made, UTC ISO-8601"),
    otelEndpoint: env(
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      url(["http", "https"]).optional(),
      "OTLP/gRPC collector for traces; tracing is off when unset",
    ),
    traceSampleRatio: env("OTEL_TRACES_SAMPLER_ARG", ratio(), "Share of new traces recorded", {
      default: 1,
    }),
  };
}

// STATUS_ALLOW entries: an IPv4/IPv6 address, optionally with a CIDR prefix.
const addressRule = /^([^/]+)(?:\/(\d{1,3}))?$/;

function addressList() {
  const expected = "expected IPs or CIDRs like 10.0.0.0/8,::1, or none";
  return z
    .string()
    .trim()
    .transform((value) => (value === "none" ? [] : value.split(",").map((entry) => entry.trim())))
    .pipe(z.array(z.string().refine(isAddressRule, { error: expected })));
}

function isAddressRule(entry: string): boolean {
  const match = addressRule.exec(entry);
  const version = match ? isIP(match[1]!) : 0;
  if (version === 0) return false;
  return match?.[2] === undefined || Number(match[2]) <= (version === 4 ? 32 : 128);
}

/** PlatformSettings is the shape returned by {@link platformSettings}. */
export type PlatformSettings = ReturnType<typeof platformSettings>;

/** PlatformConfig is the loaded platform part of any service's config. */
export type PlatformConfig = ConfigValues<PlatformSettings>;

/**
 * defineServiceConfig builds a service's config definition: the platform keys
 * with this service's port defaults, plus the service's own keys. A service
 * key may not reuse a platform key name, so it cannot silently replace one.
 *
 * @example
 * const def = defineServiceConfig({ rpcPort: 8441, adminPort: 9441 }, {
 *   jwtIssuer: env("JWT_ISSUER", text(), "Issuer of access tokens"),
 * });
 */
export function defineServiceConfig<const S extends ConfigShape = Record<never, never>>(
  ports: ServicePorts,
  settings: S = {} as S,
): PlatformSettings & S {
  const platform = platformSettings(ports);
  for (const key of Object.keys(settings)) {
    if (key in platform) throw new Error(`config key ${key} is already a platform key`);
  }
  return defineConfig({ ...platform, ...settings });
}

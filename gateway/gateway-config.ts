import {
  type ConfigValues,
  defineConfig,
  env,
  integer,
  platformSettings,
  port,
} from "../platform/config/index.js";

/**
 * gatewayConfig is the gateway's one config schema (STYLE.md 11). It reuses
 * the platform's keys for logging, identity (the gateway's own mTLS
 * certificate, service name `gateway`), shutdown and UPSTREAMS (a service
 * it does not list is `https://<name>:50051`, its Kubernetes Service), and
 * adds the public port and the per-request limits. It has no RPC port and
 * no database.
 */
export const gatewayConfig = defineConfig(gatewaySettings());

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
    shutdownDelayMs: platform.shutdownDelayMs,
    shutdownTimeoutMs: platform.shutdownTimeoutMs,
    upstreams: platform.upstreams,
    maxMessageBytes: platform.maxMessageBytes,
    gitSha: platform.gitSha,
    buildTime: platform.buildTime,
    otelEndpoint: platform.otelEndpoint,
    traceSampleRatio: platform.traceSampleRatio,
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

/** GatewayConfig is the loaded, frozen gateway configuration. */
export type GatewayConfig = ConfigValues<typeof gatewayConfig>;

import { describe, expect, expectTypeOf, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { env } from "./define-config.js";
import { integer } from "./env-schemas.js";
import { loadConfig } from "./load-config.js";
import { defineServiceConfig } from "./platform-config.js";

const ports = { rpcPort: 8441, adminPort: 9441 };

describe("defineServiceConfig", () => {
  it("loads platform defaults with the service's ports", () => {
    expect(loadConfig(defineServiceConfig(ports), {})).toStrictEqual({
      logLevel: "info",
      rpcPort: 8441,
      adminPort: 9441,
      authIssuer: "protoplane",
      authAudience: "protoplane-api",
      authApiKeyCacheMs: 5000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      natsUrl: undefined,
      dataDir: ".data",
      certsDir: ".certs",
      trustDomain: "protoplane.local",
      tlsCertPath: undefined,
      tlsKeyPath: undefined,
      tlsCaPath: undefined,
      tlsReloadIntervalMs: 60_000,
      shutdownDelayMs: 0,
      upstreams: {},
      shutdownTimeoutMs: 10_000,
      maxMessageBytes: 4 * 1024 * 1024,
      rpcMaxConnectionAgeMs: 0,
      dbPoolMax: 10,
      dbStatementTimeoutMs: 5_000,
      statusIntervalMs: 5_000,
      statusTimeoutMs: 2_000,
      statusDbSlowMs: 100,
      statusAllow: ["127.0.0.0/8", "::1"],
      statusUsername: undefined,
      statusPassword: undefined,
      gitSha: undefined,
      buildTime: undefined,
      otelEndpoint: undefined,
      traceSampleRatio: 1,
    });
  });

  it("adds service keys with their types", () => {
    const def = defineServiceConfig(ports, {
      maxItems: env("MAX_ITEMS", integer(1, 100), "Items per order", { default: 20 }),
    });
    const config = loadConfig(def, { MAX_ITEMS: "5", RPC_PORT: "7000", NATS_URL: "nats://n:4222" });
    expect(config).toMatchObject({ maxItems: 5, rpcPort: 7000, natsUrl: "nats://n:4222" });
    expectTypeOf(config.maxItems).toEqualTypeOf<number>();
    expectTypeOf(config.databaseUrl).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.logLevel).toEqualTypeOf<
      "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"
    >();
  });

  it("refuses service keys that shadow platform keys", () => {
    expect(() =>
      defineServiceConfig(ports, { rpcPort: env("MY_PORT", integer(1, 2), "x") }),
    ).toThrow("config key rpcPort is already a platform key");
  });

  it("reads the /status allow list as addresses and CIDRs, or none", () => {
    const load = (value: string) => loadConfig(defineServiceConfig(ports), { STATUS_ALLOW: value });
    expect(load(" 10.0.0.0/8, ::1 ,192.168.1.7").statusAllow).toEqual([
      "10.0.0.0/8",
      "::1",
      "192.168.1.7",
    ]);
    expect(load("none").statusAllow).toEqual([]);
    expect(() => load("10.0.0.0/33,example.com")).toThrow(
      'STATUS_ALLOW: expected IPs or CIDRs like 10.0.0.0/8,::1, or none, got "10.0.0.0/33,example.com"',
    );
  });

  it("reads TLS_RELOAD_INTERVAL_MS in milliseconds, from 100 ms to an hour", () => {
    const load = (value: string) =>
      loadConfig(defineServiceConfig(ports), { TLS_RELOAD_INTERVAL_MS: value });
    expect(load("100").tlsReloadIntervalMs).toBe(100);
    expect(load("3600000").tlsReloadIntervalMs).toBe(3_600_000);
    for (const bad of ["0", "99", "3600001", "1m"]) {
      expect(() => load(bad), bad).toThrow(
        `TLS_RELOAD_INTERVAL_MS: expected integer 100..3600000, got "${bad}"`,
      );
    }
  });

  it("validates platform keys and hides connection URLs", () => {
    const vars = {
      LOG_LEVEL: "loud",
      TRUST_DOMAIN: "Prod Domain",
      DATABASE_URL: "http://admin:pw@db",
    };
    const error = (() => {
      try {
        loadConfig(defineServiceConfig(ports), vars);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'TRUST_DOMAIN: expected a lowercase trust domain like protoplane.local, got "Prod Domain"',
      "DATABASE_URL: invalid (secret value not shown)",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import type { StatusSnapshot, SubsystemStatus } from "./create-status-monitor.js";
import { renderStatusJson, renderStatusText, subsystemSnapshot } from "./render-status.js";

const at = new Date("2026-01-02T03:04:05.000Z");
const sub = (s: Partial<SubsystemStatus>): SubsystemStatus => ({
  level: "OK",
  message: "",
  metrics: {},
  checkedAt: at,
  durationMs: 1.5,
  ...s,
});
const snapshot: StatusSnapshot = {
  level: "WARN",
  message: "database: ping took 300 ms",
  subsystems: new Map([
    [
      "database",
      sub({
        level: "WARN",
        message: "ping took 300 ms",
        metrics: { latency_ms: 300, kind: "pglite" },
      }),
    ],
    ["upstreams", sub({ metrics: { count: 1, identity_circuit: "closed" } })],
  ]),
  checkedAt: at,
};
const info = {
  uptimeSeconds: 42,
  version: "1.2.3",
  gitSha: "abc",
  buildTime: "2026-01-01T00:00:00.000Z",
  nodeVersion: "v20.0.0",
};

describe("renderStatusText", () => {
  it("lists the status, each subsystem's status, their metrics, then what is running", () => {
    expect(renderStatusText(snapshot, info)).toBe(
      [
        "status: WARN database: ping took 300 ms",
        "database_status: WARN ping took 300 ms",
        "upstreams_status: OK",
        "database_latency_ms: 300",
        "database_kind: pglite",
        "upstreams_count: 1",
        "upstreams_identity_circuit: closed",
        "uptime_seconds: 42",
        "version: 1.2.3",
        "git_sha: abc",
        "build_time: 2026-01-01T00:00:00.000Z",
        "node_version: v20.0.0",
        "checked_at: 2026-01-02T03:04:05.000Z",
        "",
      ].join("\n"),
    );
  });

  it("keeps every value on its own line", () => {
    const evil = subsystemSnapshot(
      "cache",
      sub({ level: "ERROR", message: "a\nstatus: OK", metrics: { "x y": "1\r\n2" } }),
    );
    const text = renderStatusText(evil, info);
    expect(text).toContain("status: ERROR a status: OK\n");
    expect(text).toContain("cache_x_y: 1 2\n");
    expect(text.split("\n").filter((l) => l.startsWith("status:"))).toHaveLength(1);
  });
});

describe("renderStatusJson", () => {
  it("has the same facts, structured", () => {
    expect(renderStatusJson(snapshot, info)).toEqual({
      status: "WARN",
      message: "database: ping took 300 ms",
      subsystems: {
        database: {
          status: "WARN",
          message: "ping took 300 ms",
          metrics: { latency_ms: 300, kind: "pglite" },
          checked_at: "2026-01-02T03:04:05.000Z",
          duration_ms: 1.5,
        },
        upstreams: {
          status: "OK",
          message: "",
          metrics: { count: 1, identity_circuit: "closed" },
          checked_at: "2026-01-02T03:04:05.000Z",
          duration_ms: 1.5,
        },
      },
      uptime_seconds: 42,
      version: "1.2.3",
      git_sha: "abc",
      build_time: "2026-01-01T00:00:00.000Z",
      node_version: "v20.0.0",
      checked_at: "2026-01-02T03:04:05.000Z",
    });
  });
});

import type { StatusSnapshot, SubsystemStatus } from "./create-status-monitor.js";
import type { StatusLevel, StatusMetrics } from "./status-check.js";

/** StatusPageInfo is what the process says about itself on every detailed page. */
export interface StatusPageInfo {
  readonly uptimeSeconds: number;
  readonly version: string;
  readonly gitSha: string;
  readonly buildTime: string;
  readonly nodeVersion: string;
}

/** statusLine is `OK`, `WARN <message>` or `ERROR <message>`. */
export function statusLine(level: StatusLevel, message: string): string {
  return message === "" ? level : `${level} ${message}`;
}

/**
 * renderStatusText is the plain page: `status:` (the worst level), one
 * `<subsystem>_status:` line each, then each subsystem's metrics prefixed by
 * its name (`database_latency_ms: 1.3`), then what is running. One
 * `key: value` per line, so `grep` and `awk` are enough to read it.
 */
export function renderStatusText(snapshot: StatusSnapshot, info: StatusPageInfo): string {
  const lines = [`status: ${oneLine(statusLine(snapshot.level, snapshot.message))}`];
  for (const [name, s] of snapshot.subsystems) {
    lines.push(`${name}_status: ${oneLine(statusLine(s.level, s.message))}`);
  }
  for (const [name, s] of snapshot.subsystems) {
    for (const [key, value] of Object.entries(s.metrics)) {
      lines.push(`${name}_${metricKey(key)}: ${oneLine(String(value))}`);
    }
  }
  lines.push(
    `uptime_seconds: ${info.uptimeSeconds}`,
    `version: ${info.version}`,
    `git_sha: ${info.gitSha}`,
    `build_time: ${info.buildTime}`,
    `node_version: ${info.nodeVersion}`,
    `checked_at: ${snapshot.checkedAt?.toISOString() ?? "never"}`,
  );
  return `${lines.join("\n")}\n`;
}

/** StatusJson is the JSON page. */
export interface StatusJson {
  readonly status: StatusLevel;
  readonly message: string;
  readonly subsystems: Readonly<Record<string, SubsystemJson>>;
  readonly uptime_seconds: number;
  readonly version: string;
  readonly git_sha: string;
  readonly build_time: string;
  readonly node_version: string;
  readonly checked_at: string | null;
}

/** SubsystemJson is one subsystem on the JSON page. */
export interface SubsystemJson {
  readonly status: StatusLevel;
  readonly message: string;
  readonly metrics: StatusMetrics;
  readonly checked_at: string | null;
  readonly duration_ms: number;
}

/** renderStatusJson is the JSON page: the same facts as the plain one, structured. */
export function renderStatusJson(snapshot: StatusSnapshot, info: StatusPageInfo): StatusJson {
  const subsystems: Record<string, SubsystemJson> = {};
  for (const [name, s] of snapshot.subsystems) subsystems[name] = subsystemJson(s);
  return {
    status: snapshot.level,
    message: snapshot.message,
    subsystems,
    uptime_seconds: info.uptimeSeconds,
    version: info.version,
    git_sha: info.gitSha,
    build_time: info.buildTime,
    node_version: info.nodeVersion,
    checked_at: snapshot.checkedAt?.toISOString() ?? null,
  };
}

/** subsystemSnapshot is a snapshot of one subsystem, for `/status/<subsystem>`. */
export function subsystemSnapshot(name: string, status: SubsystemStatus): StatusSnapshot {
  return {
    level: status.level,
    message: status.message,
    subsystems: new Map([[name, status]]),
    checkedAt: status.checkedAt,
  };
}

function subsystemJson(s: SubsystemStatus): SubsystemJson {
  return {
    status: s.level,
    message: s.message,
    metrics: s.metrics,
    checked_at: s.checkedAt?.toISOString() ?? null,
    duration_ms: s.durationMs,
  };
}

// A value with a line break would forge the next `key: value` line.
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

function metricKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

export { type BuildInfo, type BuildInfoOptions, loadBuildInfo } from "./build-info.js";
export {
  createStatusMonitor,
  type StatusMonitor,
  type StatusMonitorOptions,
  type StatusSnapshot,
  type SubsystemStatus,
} from "./create-status-monitor.js";
export { createDatabaseCheck, type DatabaseCheckOptions } from "./database-check.js";
export { createEventsCheck, type EventsCheckOptions } from "./events-check.js";
export { renderStatusJson, renderStatusText, type StatusJson } from "./render-status.js";
export {
  createServiceStatus,
  type ServiceStatus,
  type StatusRegistry,
  type StatusSettings,
} from "./service-status.js";
export {
  createStatusAccess,
  type StatusAccess,
  type StatusAccessOptions,
} from "./status-access.js";
export {
  type CheckContext,
  type CheckResult,
  error,
  ok,
  type StatusCheck,
  type StatusLevel,
  type StatusMetrics,
  warn,
} from "./status-check.js";
export { createStatusHandler, type StatusHandler } from "./status-handler.js";
export {
  createUpstreamsCheck,
  type StatusUpstream,
  type UpstreamsCheck,
} from "./upstreams-check.js";

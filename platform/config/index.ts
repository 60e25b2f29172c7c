export { ConfigError, formatProblems } from "./config-error.js";
export {
  type ConfigShape,
  type ConfigValues,
  type DeepReadonly,
  defineConfig,
  type EnvSetting,
  type EnvSettingOptions,
  env,
} from "./define-config.js";
export { bool, integer, oneOf, port, ratio, text, url } from "./env-schemas.js";
export { deepFreeze, loadConfig } from "./load-config.js";
export { loadConfigOrExit } from "./load-or-exit.js";
export {
  authSettings,
  DEFAULT_TLS_RELOAD_INTERVAL_MS,
  dataSettings,
  defineServiceConfig,
  logLevels,
  type PlatformConfig,
  type PlatformSettings,
  platformSettings,
  type ServicePorts,
  statusSettings,
} from "./platform-config.js";
export { type EnvValue, readEnvValue } from "./read-env-value.js";
export {
  DEFAULT_UPSTREAM_PORT,
  defaultUpstreamUrl,
  type Upstreams,
  upstreamList,
  upstreamUrl,
} from "./upstreams.js";

export { createLogger, type Logger, type LoggerOptions } from "./create-logger.js";
export { createLogCapture, type LogCapture } from "./log-capture.js";
export { redactPaths } from "./redact-paths.js";
export { type RequestLogFields, requestLogger } from "./request-logger.js";
export { serializeError } from "./serialize-error.js";

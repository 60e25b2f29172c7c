export { type AdminServer, createAdminServer, type Probes } from "./admin-server.js";
export { runService } from "./run-service.js";
export { defineService, type ServiceDefinition, type ServiceDeps } from "./service-definition.js";
export { type RunningService, startService } from "./start-service.js";

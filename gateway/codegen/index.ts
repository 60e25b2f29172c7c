/**
 * gateway/codegen: the protoc plugin that compiles `google.api.http` rules
 * into the gateway's route table and OpenAPI document. buf runs it through
 * bin/protoc-gen-gateway; the exports here are for tests and tools.
 */
export { compileRoutes, GatewayCodegenError, type GatewayRoute } from "./compile-routes.js";
export { type PathTemplate, PathTemplateError, parsePathTemplate } from "./path-template.js";
export { protocGenGateway } from "./protoc-gen-gateway.js";

export {
  createGatewayHandler,
  type GatewayCall,
  type GatewayCallContext,
  type GatewayCallResult,
  type GatewayHandlerOptions,
  type GatewayLogger,
  type GatewayRequestListener,
} from "./create-gateway-handler.js";
export { type ErrorCode, errorCodeFromConnectCode, errorCodes } from "./error-codes.js";
export {
  type ErrorEnvelope,
  type ErrorResponse,
  FALLBACK_ERROR_BODY,
  renderError,
} from "./error-envelope.js";
export { httpStatusFromCode } from "./http-status.js";
export { mapRequest } from "./request-mapper.js";
export { planRequest } from "./request-plan.js";
export { planResponse, responseJson } from "./response-writer.js";
export { createRouteMatcher, type RouteMatch, type RouteMatcher } from "./route-matcher.js";
export type { RouteSpec, SegmentSpec, VariableSpec } from "./route-spec.js";

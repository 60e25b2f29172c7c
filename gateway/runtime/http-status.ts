import { Code } from "@connectrpc/connect";

/**
 * httpStatusFromCode is THE mapping from a Connect (gRPC) code to the HTTP
 * status of a gateway error response (DESIGN.md "Gateway (generated)"). No
 * other module decides a status from a code.
 *
 * There is no `Code.OK` in Connect: success is not an error, and the
 * response writer answers 200 itself. Every code below maps to 4xx or 5xx,
 * so an error can never go out as 200.
 *
 * The table follows google/rpc/code.proto's "HTTP Mapping" notes and
 * grpc-gateway's runtime/errors.go, with the deliberate choices commented.
 */
export function httpStatusFromCode(code: Code): number {
  switch (code) {
    // 499 "Client Closed Request" (nginx): the caller went away or gave up,
    // so no one reads this status; it keeps logs and metrics honest.
    case Code.Canceled:
      return 499;
    // FAILED_PRECONDITION is 400, not 412: 412 is reserved for HTTP
    // conditional headers (If-Match), which the RPC never saw. Like
    // grpc-gateway, the client must fix the system state, not retry as is.
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    // OUT_OF_RANGE is 400, not 416: 416 is about Range headers.
    case Code.OutOfRange:
      return 400;
    case Code.Unauthenticated:
      return 401;
    case Code.PermissionDenied:
      return 403;
    case Code.NotFound:
      return 404;
    // ABORTED (a concurrency conflict, e.g. an optimistic-lock miss) is a
    // 409 like ALREADY_EXISTS: both say "the resource's state conflicts".
    case Code.AlreadyExists:
    case Code.Aborted:
      return 409;
    // 429 lets clients and proxies apply their standard back-off.
    case Code.ResourceExhausted:
      return 429;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    case Code.DeadlineExceeded:
      return 504;
    // UNKNOWN, INTERNAL and DATA_LOSS are server faults.
    case Code.Unknown:
    case Code.Internal:
    case Code.DataLoss:
      return 500;
  }
  // A code from a newer protocol revision (or a corrupt value) is still a
  // server-side failure, never a success.
  return 500;
}

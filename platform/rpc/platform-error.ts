import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { type Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/** The domain of every ErrorInfo the platform attaches. */
export const ERROR_DOMAIN = "protoplane.dev";

/** An error detail in the shape ConnectError accepts. */
export interface ErrorDetail<D extends DescMessage = DescMessage> {
  desc: D;
  value: MessageInitShape<D>;
}

/**
 * platformError builds a ConnectError that carries a stable reason (see
 * docs/errors.md) as a `google.rpc.ErrorInfo` detail, before any other details.
 * The gateway turns the reason into the envelope's `code`.
 */
export function platformError(
  code: Code,
  reason: string,
  message: string,
  details: ErrorDetail[] = [],
  cause?: unknown,
): ConnectError {
  const info: ErrorDetail = { desc: ErrorInfoSchema, value: { reason, domain: ERROR_DOMAIN } };
  return new ConnectError(message, code, undefined, [info, ...details] as never, cause);
}

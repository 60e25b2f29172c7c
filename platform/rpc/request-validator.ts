import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Violation } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { platformError } from "./platform-error.js";

/** RequestValidator checks a decoded request against its protovalidate rules. */
export type RequestValidator = <D extends DescMessage>(schema: D, message: MessageShape<D>) => void;

/**
 * createRequestValidator builds one protovalidate validator for the process
 * (it caches compiled rules per message type) and returns a function that
 * throws INVALID_ARGUMENT with one `google.rpc.BadRequest` field violation
 * per broken rule.
 */
export function createRequestValidator(): RequestValidator {
  const validator = createValidator();
  return (schema, message) => {
    const result = validator.validate(schema, message);
    if (result.kind === "valid") return;
    if (result.kind === "error") {
      // A rule that does not compile is our bug, not the caller's.
      throw new ConnectError(
        "validation rules failed to run",
        Code.Internal,
        undefined,
        undefined,
        result.error,
      );
    }
    throw invalidArgument(result.violations);
  };
}

function invalidArgument(violations: Violation[]): ConnectError {
  const fieldViolations = violations.map((v) =>
    create(BadRequest_FieldViolationSchema, {
      field: pathToString(v.field),
      description: v.message,
      reason: v.ruleId,
    }),
  );
  const summary = fieldViolations.map((f) => `${f.field}: ${f.description}`).join("; ");
  return platformError(Code.InvalidArgument, "VALIDATION_FAILED", `invalid request: ${summary}`, [
    { desc: BadRequestSchema, value: { fieldViolations } },
  ]);
}

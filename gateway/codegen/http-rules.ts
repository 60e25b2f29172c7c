import type { DescMethod } from "@bufbuild/protobuf";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { getHttpRule } from "./annotations.js";
import { RuleError } from "./field-paths.js";

/**
 * HttpBinding is one HTTP rule of an RPC as written in the proto: the
 * `google.api.http` option itself (binding 0) or one of its
 * `additional_bindings` (binding 1, 2, …).
 */
export interface HttpBinding {
  readonly method: DescMethod;
  readonly binding: number;
  /** GET, PUT, POST, DELETE, PATCH, or a custom pattern's kind as written (e.g. HEAD). */
  readonly httpMethod: string;
  readonly pathTemplate: string;
  readonly body: string;
  readonly responseBody: string;
}

/** BindingError is a RuleError that knows which binding of the RPC it is about. */
export class BindingError extends RuleError {
  constructor(
    readonly binding: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * collectHttpBindings lists an RPC's HTTP bindings in declaration order, or
 * none when it has no `google.api.http` option. Per http.proto, additional
 * bindings must not nest further additional bindings.
 */
export function collectHttpBindings(method: DescMethod): HttpBinding[] {
  const rule = getHttpRule(method);
  if (rule === undefined) return [];
  const rules = [rule, ...rule.additionalBindings];
  return rules.map((r, binding) => {
    if (binding > 0 && r.additionalBindings.length > 0) {
      throw new BindingError(binding, "additional_bindings cannot have additional_bindings");
    }
    return toBinding(method, binding, r);
  });
}

function toBinding(method: DescMethod, binding: number, rule: HttpRule): HttpBinding {
  const [httpMethod, pathTemplate] = httpPattern(rule, binding);
  return {
    method,
    binding,
    httpMethod,
    pathTemplate,
    body: rule.body,
    responseBody: rule.responseBody,
  };
}

function httpPattern(rule: HttpRule, binding: number): [string, string] {
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return [rule.pattern.case.toUpperCase(), rule.pattern.value];
    case "custom": {
      const { kind, path } = rule.pattern.value;
      // An HTTP method is a token (RFC 9110 §9.1); it is case-sensitive, so keep it as written.
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(kind)) {
        throw new BindingError(binding, `custom pattern kind "${kind}" is not an HTTP method`);
      }
      return [kind, path];
    }
    default:
      throw new BindingError(
        binding,
        "the HTTP rule sets no pattern (get, put, post, delete, patch or custom)",
      );
  }
}

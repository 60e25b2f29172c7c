import { create, type DescMethod, type MessageInitShape, setExtension } from "@bufbuild/protobuf";
import { MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { PolicySchema, policy } from "../../../gen/platform/v1/policy_pb.js";

/**
 * withPolicy returns a copy of `method` whose descriptor carries a
 * `platform.v1.policy` option, as if the proto declared it: rpcPolicyOf
 * reads it like any generated one. The test library proto declares no
 * policies, so edge tests give its RPCs rate-limit classes this way.
 */
export function withPolicy(
  method: DescMethod,
  init: MessageInitShape<typeof PolicySchema>,
): DescMethod {
  const options = create(MethodOptionsSchema);
  setExtension(options, policy, create(PolicySchema, init));
  return { ...method, proto: { ...method.proto, options } } as DescMethod;
}

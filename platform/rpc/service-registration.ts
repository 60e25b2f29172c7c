import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { RpcPolicy } from "./rpc-policy.js";

/**
 * ServiceRegistration is what a service hands to the RPC server: the
 * generated descriptor and a Connect implementation. `policy` overrides the
 * proto's `platform.v1.policy` and exists for platform services (health) that
 * have no proto policy of their own.
 */
export interface ServiceRegistration<S extends DescService = DescService> {
  readonly service: S;
  readonly impl: Partial<ServiceImpl<S>>;
  readonly policy?: RpcPolicy;
}

/** registerService pairs a descriptor with its implementation, type-checked. */
export function registerService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  policy?: RpcPolicy,
): ServiceRegistration<S> {
  return policy ? { service, impl, policy } : { service, impl };
}

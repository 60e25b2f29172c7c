import { Code, ConnectError } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { RateLimitClass } from "../../gen/platform/v1/policy_pb.js";
import { ANY_SERVICE, type RpcPolicy } from "./rpc-policy.js";
import { registerService, type ServiceRegistration } from "./service-registration.js";

/** Health may be asked by any workload holding a certificate from our CA. */
const healthPolicy: RpcPolicy = Object.freeze({
  callers: new Set([ANY_SERVICE]),
  public: false,
  anonymous: false,
  scopes: [],
  idempotent: true,
  timeoutMs: 5_000,
  rateLimit: RateLimitClass.UNSPECIFIED,
});

/** HealthState is what the process knows about its own readiness. */
export interface HealthState {
  /** True while the process takes traffic (false while starting or draining). */
  serving(): boolean;
  /** Fully-qualified names of the services this process serves. */
  readonly services: ReadonlySet<string>;
}

/**
 * createHealthService implements grpc.health.v1.Health (gRFC A17) on the RPC
 * port. Check of an unknown service is NOT_FOUND, as the spec says; Watch
 * sends the status now and again whenever it changes, polling once a second.
 */
export function createHealthService(state: HealthState): ServiceRegistration<typeof Health> {
  const statusOf = (service: string) => {
    if (service !== "" && !state.services.has(service)) return ServingStatus.SERVICE_UNKNOWN;
    return state.serving() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  };
  return registerService(
    Health,
    {
      check(req) {
        const status = statusOf(req.service);
        if (status === ServingStatus.SERVICE_UNKNOWN) {
          throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
        }
        return { status };
      },
      async *watch(req, ctx) {
        let last: ServingStatus | undefined;
        while (!ctx.signal.aborted) {
          const status = statusOf(req.service);
          if (status !== last) yield { status };
          last = status;
          await new Promise((resolve) => setTimeout(resolve, 1000).unref());
        }
      },
    },
    healthPolicy,
  );
}

import { Code, ConnectError } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { RateLimitClass } from "../../gen/platform/v1/policy_pb.js";
import { sleep } from "../async/sleep.js";
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
  /**
   * Aborted when the process starts draining. Watch streams then end, so an
   * open one does not hold the drain until its deadline.
   */
  readonly draining?: AbortSignal;
}

/**
 * createHealthService implements grpc.health.v1.Health (gRFC A17) on the RPC
 * port. Check of an unknown service is NOT_FOUND, as the spec says; Watch
 * sends the status now and again whenever it changes, polling once a second.
 * When the drain starts, Watch sends NOT_SERVING (unless that was its last
 * word) and ends at once: the client hears it while the port still serves,
 * and the open stream does not hold the drain until its deadline.
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
          if (state.draining?.aborted) {
            if (last !== ServingStatus.NOT_SERVING) yield { status: ServingStatus.NOT_SERVING };
            return;
          }
          const status = statusOf(req.service);
          if (status !== last) yield { status };
          last = status;
          await sleep(1000, ctx.signal, state.draining);
        }
      },
    },
    healthPolicy,
  );
}

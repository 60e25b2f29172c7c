import type { DescMethod } from "@bufbuild/protobuf";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";

/**
 * isHealthProbe tells whether a method is `grpc.health.v1.Health`'s: a
 * probe, not traffic. Every caller's /status checks each upstream with it
 * every few seconds, so an answered one is logged at debug, and it starts
 * no span on either side (each would be a trace of its own, a root every
 * few seconds per pair of processes). Failures are still logged.
 */
export function isHealthProbe(method: DescMethod): boolean {
  return method.parent.typeName === Health.typeName;
}

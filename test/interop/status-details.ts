import { fromBinary } from "@bufbuild/protobuf";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";

/**
 * decodeStatusDetails reads the `google.rpc.Status` carried in
 * `grpc-status-details-bin` and returns its Any details, as a non-Connect
 * client would have to.
 */
export function decodeStatusDetails(bin: Buffer): { typeName: string; value: Uint8Array }[] {
  const status = fromBinary(StatusSchema, bin);
  return status.details.map((any) => ({
    typeName: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
    value: any.value,
  }));
}

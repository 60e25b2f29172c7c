import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition } from "@grpc/grpc-js";
import {
  type GetUserRequest,
  GetUserRequestSchema,
  type GetUserResponse,
  GetUserResponseSchema,
} from "../gen/identity/v1/user_service_pb.js";

/** GET_USER_PATH is the gRPC method path, `/<package>.<Service>/<Method>`. */
export const GET_USER_PATH = "/identity.v1.UserService/GetUser";

/**
 * getUserMethod is GetUser for grpc-js, written by hand: grpc-js only needs
 * a path and four (de)serializers, and protobuf-es's `toBinary`/`fromBinary`
 * are the same codec the other servers use, so the comparison is about the
 * transport, not the protobuf library.
 */
export const getUserMethod: MethodDefinition<GetUserRequest, GetUserResponse> = {
  path: GET_USER_PATH,
  requestStream: false,
  responseStream: false,
  requestSerialize: (req) => Buffer.from(toBinary(GetUserRequestSchema, req)),
  requestDeserialize: (bytes) => fromBinary(GetUserRequestSchema, bytes),
  responseSerialize: (res) => Buffer.from(toBinary(GetUserResponseSchema, res)),
  responseDeserialize: (bytes) => fromBinary(GetUserResponseSchema, bytes),
};

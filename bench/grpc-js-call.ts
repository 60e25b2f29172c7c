import { create } from "@bufbuild/protobuf";
import { type ChannelCredentials, Client, credentials, status } from "@grpc/grpc-js";
import { GetUserRequestSchema, type GetUserResponse } from "../gen/identity/v1/user_service_pb.js";
import { getUserMethod } from "./grpc-js-definition.js";

/** CallOutcome is a finished call's gRPC status and, on OK, its response. */
export interface CallOutcome {
  readonly code: status;
  readonly message: string;
  readonly response?: GetUserResponse;
}

/** h2cCredentials speak plain-text HTTP/2 with prior knowledge, as to haproxy's frontend. */
export const h2cCredentials = (): ChannelCredentials => credentials.createInsecure();

/** mtlsCredentials present `cert`/`key` and trust only `ca`. */
export const mtlsCredentials = (tls: { cert: string; key: string; ca: string }) =>
  credentials.createSsl(Buffer.from(tls.ca), Buffer.from(tls.key), Buffer.from(tls.cert));

/**
 * callGetUser makes one GetUser call with a grpc-js client and reports the
 * real gRPC status, which h2load does not look at. Used to check each path
 * before it is measured.
 */
export function callGetUser(
  target: string,
  creds: ChannelCredentials,
  userId: string,
): Promise<CallOutcome> {
  const client = new Client(target, creds, { "grpc.ssl_target_name_override": "localhost" });
  return new Promise<CallOutcome>((resolve) => {
    client.makeUnaryRequest(
      getUserMethod.path,
      getUserMethod.requestSerialize,
      getUserMethod.responseDeserialize,
      create(GetUserRequestSchema, { userId }),
      { deadline: Date.now() + 5000 },
      (err, response) =>
        resolve(
          err
            ? { code: err.code, message: err.details }
            : { code: status.OK, message: "", response: response! },
        ),
    );
  }).finally(() => client.close());
}

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type ApiKey, ApiKeySchema } from "../../../gen/identity/v1/api_key_service_pb.js";
import type { ApiKeyRow } from "../db/schema.js";

/** toApiKey is the public view of a key row: never its hash, lookup or secret. */
export function toApiKey(row: ApiKeyRow): ApiKey {
  return create(ApiKeySchema, {
    keyId: row.keyId,
    name: row.name,
    prefix: row.displayPrefix,
    scopes: row.scopes,
    createTime: timestampFromDate(row.createTime),
    ...(row.revokeTime ? { revokeTime: timestampFromDate(row.revokeTime) } : {}),
  });
}

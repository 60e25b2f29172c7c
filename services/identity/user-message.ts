import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type User, UserSchema } from "../../gen/identity/v1/user_pb.js";
import type { UserRow } from "./db/schema.js";

/**
 * toUser is the public view of a user row: never the password hash,
 * scopes or lock-out state.
 */
export function toUser(row: UserRow): User {
  return create(UserSchema, {
    userId: row.userId,
    email: row.email,
    displayName: row.displayName,
    createTime: timestampFromDate(row.createTime),
    updateTime: timestampFromDate(row.updateTime),
    version: row.version,
    orderCount: row.orderCount,
  });
}

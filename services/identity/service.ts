import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type User, UserSchema } from "../../gen/identity/v1/user_pb.js";
import type { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { decodeCursor, encodeCursor, pageSize } from "../../platform/pagination/index.js";
import type { UserRow } from "./db/schema.js";
import { applyUpdateMask } from "./domain/update-mask.js";
import type { UserStore } from "./user-store.js";

/** UserServiceDeps are what {@link createUserService} needs. */
export interface UserServiceDeps {
  readonly store: UserStore;
}

/**
 * createUserService implements identity.v1.UserService. Requests arrive
 * already validated against the proto's rules (formats, lengths, ranges);
 * the handlers enforce the business rules on top, and every error they
 * throw is a ConnectError.
 */
export function createUserService({ store }: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async createUser(req) {
      const row = await store.create({ email: req.email, displayName: req.displayName });
      return { user: toUser(row) };
    },
    async getUser(req) {
      return { user: toUser(await store.get(req.userId)) };
    },
    async listUsers(req) {
      const after = req.cursor === "" ? undefined : decodeCursor(req.cursor);
      const page = await store.list(after, pageSize(req.limit));
      const last = page.users.at(-1);
      return {
        data: page.users.map(toUser),
        nextCursor: page.hasMore && last ? encodeCursor(last.userId) : "",
        hasMore: page.hasMore,
      };
    },
    async updateUser(req) {
      const userId = req.user?.userId ?? "";
      // user.user_id is OUTPUT_ONLY on User, so validation lets it be empty;
      // on UpdateUser it names the user and is required.
      if (userId === "") throw new ConnectError("user.user_id is required", Code.InvalidArgument);
      const values = { email: req.user?.email ?? "", displayName: req.user?.displayName ?? "" };
      const changes = applyUpdateMask(req.updateMask?.paths ?? [], values);
      const row = await store.update(userId, changes, versionPrecondition(req.version));
      return { user: toUser(row) };
    },
    async deleteUser(req) {
      await store.delete(req.userId, versionPrecondition(req.version));
      return {};
    },
  };
}

// proto3 int64 has no presence: 0 means "no precondition", and no row is
// ever at version 0 (versions start at 1).
function versionPrecondition(version: bigint): bigint | undefined {
  return version === 0n ? undefined : version;
}

function toUser(row: UserRow): User {
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

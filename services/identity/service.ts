import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { auditCallerOf } from "../../platform/audit/index.js";
import { type Access, mayAccess } from "../../platform/auth/object-access.js";
import { principalOf } from "../../platform/auth/principal.js";
import { decodeCursor, pageSize } from "../../platform/pagination/index.js";
import { applyUpdateMask } from "./domain/update-mask.js";
import { nextCursorOf } from "./next-cursor.js";
import { toUser } from "./user-message.js";
import { type UserStore, userNotFound } from "./user-store.js";

/** UserServiceDeps are what {@link createUserService} needs. */
export interface UserServiceDeps {
  readonly store: UserStore;
}

/**
 * createUserService implements identity.v1.UserService. Requests arrive
 * already validated against the proto's rules (formats, lengths, ranges)
 * and scopes; the handlers enforce the business rules on top, including the
 * object-level check (a user reaches only their own user; the admin scope
 * reads any, and each such read is audited), and every error they throw is
 * a ConnectError.
 */
export function createUserService({ store }: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async createUser(req, ctx) {
      const caller = auditCallerOf(ctx);
      const row = await store.create({ email: req.email, displayName: req.displayName }, caller);
      return { user: toUser(row) };
    },
    async getUser(req, ctx) {
      checkAccess(ctx, req.userId, "read");
      const row = await store.get(req.userId);
      await auditAdminRead(store, ctx, "user.read", `user:${req.userId}`);
      return { user: toUser(row) };
    },
    async listUsers(req, ctx) {
      const after = req.cursor === "" ? undefined : decodeCursor(req.cursor);
      const page = await store.list(after, pageSize(req.limit));
      await auditAdminRead(store, ctx, "user.listed", undefined);
      return {
        data: page.users.map(toUser),
        nextCursor: nextCursorOf(page.hasMore, page.users.at(-1)?.userId),
        hasMore: page.hasMore,
      };
    },
    async updateUser(req, ctx) {
      const userId = req.user?.userId ?? "";
      // user.user_id is OUTPUT_ONLY on User, so validation lets it be empty;
      // on UpdateUser it names the user and is required.
      if (userId === "") throw new ConnectError("user.user_id is required", Code.InvalidArgument);
      checkAccess(ctx, userId, "write");
      const values = { email: req.user?.email ?? "", displayName: req.user?.displayName ?? "" };
      const changes = applyUpdateMask(req.updateMask?.paths ?? [], values);
      const version = versionPrecondition(req.version);
      const row = await store.update(userId, changes, version, auditCallerOf(ctx));
      return { user: toUser(row) };
    },
    async deleteUser(req, ctx) {
      checkAccess(ctx, req.userId, "write");
      await store.delete(req.userId, versionPrecondition(req.version), auditCallerOf(ctx));
      return {};
    },
  };
}

// Users own themselves: the object's owner id is its own id. Refused
// exactly as a missing user is, so ids cannot be probed (OWASP API1).
function checkAccess(ctx: HandlerContext, userId: string, access: Access): void {
  if (!mayAccess(principalOf(ctx), userId, access)) throw userNotFound(userId);
}

// A principal reading someone else's data can only be an admin (checkAccess
// and the proto's scopes let no one else through): record who read what.
async function auditAdminRead(
  store: UserStore,
  ctx: HandlerContext,
  action: string,
  target: string | undefined,
): Promise<void> {
  const principal = principalOf(ctx);
  if (principal === undefined || target === `user:${principal.subject}`) return;
  await store.audit(auditCallerOf(ctx), { action, target });
}

// proto3 int64 has no presence: 0 means "no precondition", and no row is
// ever at version 0 (versions start at 1).
function versionPrecondition(version: bigint): bigint | undefined {
  return version === 0n ? undefined : version;
}

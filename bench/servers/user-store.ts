import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type User, UserSchema } from "../../gen/identity/v1/user_pb.js";
import {
  type GetUserRequest,
  type GetUserResponse,
  GetUserResponseSchema,
} from "../../gen/identity/v1/user_service_pb.js";

/** USER_COUNT is how many users every benchmark server holds in memory. */
export const USER_COUNT = 1000;

/**
 * UserStore is the one handler every server of the benchmark runs, so the
 * servers differ only in what surrounds it. `handled` counts successful
 * calls: the orchestrator compares it with h2load's count, because h2load
 * calls a response good on HTTP 200 whatever its `grpc-status` says.
 */
export interface UserStore {
  readonly ids: readonly string[];
  getUser(req: GetUserRequest): GetUserResponse;
  readonly stats: { handled: number; notFound: number };
}

/**
 * createUserStore builds the users once, before the server listens, so a
 * call does only a map lookup and wraps the stored message.
 */
export function createUserStore(ids: readonly string[] = benchUserIds()): UserStore {
  const users = new Map<string, User>();
  const created = timestampFromMs(Date.UTC(2024, 0, 1));
  for (const [i, userId] of ids.entries()) {
    users.set(
      userId,
      create(UserSchema, {
        userId,
        email: `user${i}@example.com`,
        displayName: `User ${i}`,
        createTime: created,
        updateTime: created,
        version: 1n,
      }),
    );
  }
  const stats = { handled: 0, notFound: 0 };
  return {
    ids,
    stats,
    getUser(req) {
      const user = users.get(req.userId);
      if (user === undefined) {
        stats.notFound++;
        throw new ConnectError(`user ${req.userId} not found`, Code.NotFound);
      }
      stats.handled++;
      return create(GetUserResponseSchema, { user });
    },
  };
}

/**
 * benchUserIds returns USER_COUNT deterministic UUIDv4-shaped ids: the
 * protovalidate rule on `user_id` is `string.uuid`, so they must be real
 * UUID syntax, and the load generator needs to know one without asking.
 */
export function benchUserIds(): string[] {
  const ids: string[] = [];
  for (let i = 0; i < USER_COUNT; i++) {
    const hex = i.toString(16).padStart(12, "0");
    ids.push(`7b0c1e2a-0000-4000-8000-${hex}`);
  }
  return ids;
}

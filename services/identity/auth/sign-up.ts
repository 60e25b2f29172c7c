import type { AuditCaller } from "../../../platform/audit/index.js";
import { type AppDatabase, withTransaction } from "../../../platform/db/index.js";
import { recordAudit } from "../audit/record-audit.js";
import type * as schema from "../db/schema.js";
import type { UserRow } from "../db/schema.js";
import { insertUser } from "../user-store.js";
import { hashPassword } from "./passwords.js";
import { issueRefreshToken, newTokenFamily } from "./refresh-token-store.js";

/** SignUpRequest is a new account: who, and the password in clear, hashed here. */
export interface SignUpRequest {
  readonly email: string;
  readonly displayName: string;
  readonly password: string;
}

/**
 * signUp creates a user with a password and the default scopes, its first
 * refresh token (a new family) and a `user.registered` audit row, all in one
 * transaction. The argon2id hash is computed first, off the event loop and
 * outside the transaction. A taken email is ALREADY_EXISTS.
 */
export async function signUp(
  db: AppDatabase<typeof schema>,
  request: SignUpRequest,
  caller: AuditCaller,
  refreshTtlSeconds: number,
): Promise<{ row: UserRow; refreshToken: string }> {
  const passwordHash = await hashPassword(request.password);
  return withTransaction(db, async (tx) => {
    const row = await insertUser(tx, { ...request, passwordHash });
    const family = newTokenFamily();
    const refreshToken = await issueRefreshToken(tx, row.userId, family, refreshTtlSeconds);
    const user = `user:${row.userId}`;
    await recordAudit(tx, { ...caller, actor: user }, { action: "user.registered", target: user });
    return { row, refreshToken };
  });
}

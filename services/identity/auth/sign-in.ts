import { Code, ConnectError } from "@connectrpc/connect";
import type { AuditCaller } from "../../../platform/audit/index.js";
import { type AppDatabase, withTransaction } from "../../../platform/db/index.js";
import { recordAudit } from "../audit/record-audit.js";
import type * as schema from "../db/schema.js";
import {
  type Account,
  claimLogin,
  countLoginFailure,
  findAccount,
  type LockPolicy,
} from "./account-store.js";
import { verifyPassword } from "./passwords.js";
import { issueRefreshToken, newTokenFamily } from "./refresh-token-store.js";

/** SignedIn is a user who proved their password, with a new refresh token (a new family). */
export interface SignedIn {
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly refreshToken: string;
}

/** SignInOptions are the lock-out rule and the refresh token lifetime. */
export interface SignInOptions {
  readonly lock: LockPolicy;
  readonly refreshTtlSeconds: number;
}

/**
 * signIn checks an email and password. Every failure (unknown email, wrong
 * password, a user with no password, a locked account) is the same
 * UNAUTHENTICATED error after the same argon2 work, so neither the answer
 * nor its timing tells whether the email is registered or locked (OWASP
 * Authentication Cheat Sheet). A locked account refuses even the right
 * password until the lock expires, and its failures do not extend the lock.
 *
 * The lock is read before argon2's work and decided again when the outcome
 * is written (see claimLogin and countLoginFailure), so guesses sent all at
 * once cannot each be checked as if the account were unlocked: no row lock
 * is held across the slow verification.
 */
export async function signIn(
  db: AppDatabase<typeof schema>,
  email: string,
  password: string,
  caller: AuditCaller,
  options: SignInOptions,
): Promise<SignedIn> {
  const account = await findAccount(db, email);
  const hash = account === undefined || account.locked ? null : account.passwordHash;
  const ok = await verifyPassword(hash, password);
  const refreshToken =
    ok && account !== undefined ? await grantLogin(db, account, caller, options) : undefined;
  if (account === undefined || refreshToken === undefined) {
    await recordFailure(db, account, caller, options.lock, ok);
    throw new ConnectError("invalid email or password", Code.Unauthenticated);
  }
  return { userId: account.userId, scopes: account.scopes, refreshToken };
}

// grantLogin issues the new family's first token, or undefined when the
// account was locked while the password was being checked.
function grantLogin(
  db: AppDatabase<typeof schema>,
  account: Account,
  caller: AuditCaller,
  options: SignInOptions,
): Promise<string | undefined> {
  return withTransaction(db, async (tx) => {
    if (!(await claimLogin(tx, account.userId))) return undefined;
    const token = await issueRefreshToken(
      tx,
      account.userId,
      newTokenFamily(),
      options.refreshTtlSeconds,
    );
    const user = `user:${account.userId}`;
    await recordAudit(
      tx,
      { ...caller, actor: user },
      { action: "auth.login.succeeded", target: user },
    );
    return token;
  });
}

// The actor of a failed login is anonymous: nobody proved who they are. The
// target names the account when the email exists; the password never appears.
// A login refused by the lock (found locked, locked before its failure was
// counted, or with the right password but locked before it was granted)
// counts nothing and has reason "locked".
async function recordFailure(
  db: AppDatabase<typeof schema>,
  account: Account | undefined,
  caller: AuditCaller,
  lock: LockPolicy,
  passwordOk: boolean,
): Promise<void> {
  const anonymous = { ...caller, actor: "anonymous" };
  const failed = { action: "auth.login.failed", outcome: "failure" as const };
  await withTransaction(db, async (tx) => {
    if (account === undefined) {
      return recordAudit(tx, anonymous, { ...failed, details: { reason: "unknown_email" } });
    }
    const target = `user:${account.userId}`;
    const count =
      account.locked || passwordOk ? "locked" : await countLoginFailure(tx, account.userId, lock);
    const reason =
      count === "locked"
        ? "locked"
        : account.passwordHash === null
          ? "no_password"
          : "wrong_password";
    await recordAudit(tx, anonymous, { ...failed, target, details: { reason } });
    if (count === "locked_now") {
      await recordAudit(tx, anonymous, {
        action: "auth.account.locked",
        target,
        details: { failures: lock.maxFailures, lock_seconds: lock.lockSeconds },
      });
    }
  });
}

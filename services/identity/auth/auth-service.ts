import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../../gen/identity/v1/auth_service_pb.js";
import { auditCallerOf } from "../../../platform/audit/index.js";
import type { TokenAudience } from "../../../platform/auth/access-token.js";
import type { SigningKeys } from "../../../platform/auth/signing-keys.js";
import { createTokenIssuer } from "../../../platform/auth/token-issuer.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import type * as schema from "../db/schema.js";
import { toUser } from "../user-message.js";
import type { LockPolicy } from "./account-store.js";
import { refreshSession, revokeSession } from "./sessions.js";
import { signIn } from "./sign-in.js";
import { signUp } from "./sign-up.js";
import { grantTokens } from "./token-grant.js";

/** AuthServiceDeps are what {@link createAuthService} needs. */
export interface AuthServiceDeps {
  readonly keys: SigningKeys;
  readonly db: AppDatabase<typeof schema>;
  readonly tokens: TokenAudience & {
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
  };
  readonly lock: LockPolicy;
}

/**
 * createAuthService implements identity.v1.AuthService: sign-up, sign-in
 * with lock-out, refresh-token rotation with reuse detection, logout, and
 * the JWKS that verifies the access tokens it signs (docs/auth.md).
 */
export function createAuthService(deps: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const { db, tokens } = deps;
  const jwks = { keys: deps.keys.jwks.map((k) => ({ ...k })) };
  const issuer = createTokenIssuer({
    ...tokens,
    keys: deps.keys,
    ttlSeconds: tokens.accessTtlSeconds,
  });
  const refreshTtlSeconds = tokens.refreshTtlSeconds;
  return {
    getJwks: () => jwks,
    async register(req, ctx) {
      const request = { email: req.email, displayName: req.displayName, password: req.password };
      const caller = auditCallerOf(ctx);
      const { row, refreshToken } = await signUp(db, request, caller, refreshTtlSeconds);
      return {
        user: toUser(row),
        tokens: await grantTokens(issuer, row.userId, row.scopes, refreshToken),
      };
    },
    async login(req, ctx) {
      const options = { lock: deps.lock, refreshTtlSeconds };
      const session = await signIn(db, req.email, req.password, auditCallerOf(ctx), options);
      return {
        tokens: await grantTokens(issuer, session.userId, session.scopes, session.refreshToken),
      };
    },
    async refresh(req, ctx) {
      const session = await refreshSession(
        db,
        req.refreshToken,
        auditCallerOf(ctx),
        refreshTtlSeconds,
      );
      if (session === undefined)
        throw new ConnectError("refresh token invalid", Code.Unauthenticated);
      return {
        tokens: await grantTokens(issuer, session.userId, session.scopes, session.refreshToken),
      };
    },
    async logout(req, ctx) {
      await revokeSession(db, req.refreshToken, auditCallerOf(ctx));
      return {};
    },
  };
}

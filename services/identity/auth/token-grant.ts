import { create } from "@bufbuild/protobuf";
import {
  type TokenResponse,
  TokenResponseSchema,
} from "../../../gen/identity/v1/auth_service_pb.js";
import type { TokenIssuer } from "../../../platform/auth/token-issuer.js";

/**
 * grantTokens is the OAuth 2.0 token response (RFC 6749 §5.1) for a user:
 * a new access token with the user's current scopes and the refresh token
 * already stored for them.
 */
export async function grantTokens(
  issuer: TokenIssuer,
  userId: string,
  scopes: readonly string[],
  refreshToken: string,
): Promise<TokenResponse> {
  const access = await issuer.issue(userId, scopes);
  return create(TokenResponseSchema, {
    accessToken: access.accessToken,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    refreshToken,
    scope: access.scope,
  });
}

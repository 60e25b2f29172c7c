import { env, integer, text } from "../../../platform/config/index.js";

/**
 * identityAuthConfig are identity's own authentication settings; the keys
 * every process shares (AUTH_ISSUER, AUTH_AUDIENCE) are platform settings.
 */
export const identityAuthConfig = {
  authSigningKeysDir: env(
    "AUTH_SIGNING_KEYS_DIR",
    text().optional(),
    "Ed25519 token signing keys (*.pem, newest name signs); a dev key under CERTS_DIR/jwt when unset",
  ),
  accessTokenTtlSeconds: env(
    "ACCESS_TOKEN_TTL_SECONDS",
    integer(60, 3_600),
    "Access token lifetime",
    { default: 600 },
  ),
  refreshTokenTtlSeconds: env(
    "REFRESH_TOKEN_TTL_SECONDS",
    integer(60, 90 * 86_400),
    "Refresh token lifetime; each refresh issues a new token with a fresh lifetime",
    { default: 30 * 86_400 },
  ),
  loginMaxFailures: env(
    "LOGIN_MAX_FAILURES",
    integer(1, 100),
    "Consecutive failed logins that lock an account",
    { default: 10 },
  ),
  loginLockSeconds: env(
    "LOGIN_LOCK_SECONDS",
    integer(1, 86_400),
    "How long a locked account refuses logins",
    { default: 900 },
  ),
};

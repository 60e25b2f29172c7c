import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { ACCESS_TOKEN_TYPE, type TokenAudience } from "./access-token.js";
import { formatScopes } from "./scopes.js";
import type { SigningKeys } from "./signing-keys.js";

/** IssuedToken is a signed access token and what the token response says about it. */
export interface IssuedToken {
  readonly accessToken: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
  readonly scope: string;
  readonly jti: string;
}

/** TokenIssuer signs access tokens; only identity holds one. */
export interface TokenIssuer {
  issue(subject: string, scopes: Iterable<string>): Promise<IssuedToken>;
}

/** TokenIssuerOptions configure {@link createTokenIssuer}. */
export interface TokenIssuerOptions extends TokenAudience {
  readonly keys: SigningKeys;
  /** Access token lifetime; the issue asks for 10 minutes. */
  readonly ttlSeconds: number;
}

/**
 * createTokenIssuer signs RFC 9068 access tokens with the current key:
 * header `{alg: EdDSA, typ: at+jwt, kid}`, claims iss, aud, sub, scope, iat,
 * exp and a unique jti.
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { current } = options.keys;
  return {
    async issue(subject, scopes) {
      const jti = randomUUID();
      const scope = formatScopes(scopes);
      const accessToken = await new SignJWT({ scope })
        .setProtectedHeader({ alg: "EdDSA", typ: ACCESS_TOKEN_TYPE, kid: current.kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setJti(jti)
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds}s`)
        .sign(current.privateKey);
      return { accessToken, expiresIn: options.ttlSeconds, scope, jti };
    },
  };
}

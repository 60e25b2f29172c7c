/**
 * ACCESS_TOKEN_TYPE is the JWT `typ` header of access tokens (RFC 9068 §2.1):
 * verifiers require it, so an ID token or any other JWT signed by the same
 * key cannot pass as an access token.
 */
export const ACCESS_TOKEN_TYPE = "at+jwt";

/**
 * ACCESS_TOKEN_ALGORITHMS is the allow-list verifiers accept. Only EdDSA:
 * `alg: none` and HMAC (where a public key could be abused as the secret)
 * never verify, whatever the token's header says.
 */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = Object.freeze(["EdDSA"]);

/** TokenAudience is who issues access tokens and for whom; both are checked. */
export interface TokenAudience {
  /** The `iss` claim, e.g. "https://auth.protoplane.example". */
  readonly issuer: string;
  /** The `aud` claim: the API the tokens are for. */
  readonly audience: string;
}

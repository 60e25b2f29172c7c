/**
 * bearerChallenge is the `WWW-Authenticate` value of a 401 (RFC 9110
 * §11.6.1 makes the header mandatory on 401). RFC 6750 §3: a request
 * without credentials gets the bare challenge; one whose credential was
 * refused also gets `error="invalid_token"` (§3.1), so a client knows to
 * refresh or sign in again rather than to add a header. The message of the
 * envelope says which; the challenge names no key, claim or account.
 */
export function bearerChallenge(authorization: string | undefined): string {
  const realm = 'Bearer realm="protoplane"';
  return authorization === undefined || authorization === ""
    ? realm
    : `${realm}, error="invalid_token"`;
}

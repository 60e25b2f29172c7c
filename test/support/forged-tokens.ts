import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";
import { ADMIN_SCOPES } from "./test-tokens.js";

/**
 * ForgedTokens are access tokens an attacker could build, for
 * `subject`: each must be refused. Keys are the dev keys identity uses for
 * the certs dir, so every token except the broken part would verify.
 */
export type ForgedTokens = Readonly<Record<string, string>>;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** accessClaims are the claims identity signs, for `subject` with `scopes`, expiring in 600 s. */
export function accessClaims(subject: string, scopes: readonly string[] = ADMIN_SCOPES) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: "protoplane",
    aud: "protoplane-api",
    sub: subject,
    jti: `forged-${now}-${Math.random()}`,
    scope: scopes.join(" "),
    iat: now,
    exp: now + 600,
  };
}

/** hs256Token signs `claims` with HMAC-SHA256 under `secret`, naming `kid` (RFC 7515 by hand). */
export function hs256Token(secret: string | Buffer, kid: string, claims: object): string {
  const input = `${b64({ alg: "HS256", typ: "at+jwt", kid })}.${b64(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** signedToken signs `claims` with EdDSA under `key`, with `header` overriding typ and kid. */
export function signedToken(key: KeyObject, kid: string, claims: object, header: object = {}) {
  return new SignJWT(claims as never)
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid, ...header })
    .sign(key);
}

/**
 * forgeTokens builds one token per classic JWT attack (RFC 8725 §2):
 * `alg: none`, HMAC keyed with the published public key, wrong `typ`,
 * `iss` or `aud`, expired, signed by a key not in the JWKS, and a genuine
 * user token whose payload was edited to add the admin scope.
 */
export async function forgeTokens(
  certsDir: string,
  subject: string,
  genuine: string,
): Promise<ForgedTokens> {
  const keys = await loadTokenKeys({ certsDir });
  const { kid, privateKey } = keys.current;
  const jwk = keys.jwks[0]!;
  const claims = accessClaims(subject);
  const sign = (c: object, header: object = {}) => signedToken(privateKey, kid, c, header);
  const [header, payload, signature] = genuine.split(".") as [string, string, string];
  const edited = { ...JSON.parse(Buffer.from(payload, "base64url").toString()), scope: "admin" };
  return {
    "alg none": `${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims)}.`,
    "HS256 keyed with the JWK": hs256Token(JSON.stringify(jwk), kid, claims),
    "HS256 keyed with the JWK's x": hs256Token(jwk.x, kid, claims),
    "wrong typ": await sign(claims, { typ: "JWT" }),
    "wrong iss": await sign({ ...claims, iss: "https://evil.example" }),
    "wrong aud": await sign({ ...claims, aud: "another-api" }),
    expired: await sign({ ...claims, iat: claims.iat - 1200, exp: claims.iat - 600 }),
    "unknown key": await signedToken(generateKeyPairSync("ed25519").privateKey, kid, claims),
    "payload edited to add admin": `${header}.${b64(edited)}.${signature}`,
  };
}

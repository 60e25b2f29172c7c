import { createHmac, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLocalJWKSet, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createRefreshingKeySet } from "./refreshing-key-set.js";
import { ensureDevSigningKey, loadSigningKeys, type SigningKeys } from "./signing-keys.js";
import { createTokenIssuer } from "./token-issuer.js";
import { createTokenVerifier } from "./token-verifier.js";

const audience = { issuer: "https://issuer.test", audience: "api.test" };
let keys: SigningKeys;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "pp-jwt-"));
  await ensureDevSigningKey(dir);
  keys = await loadSigningKeys(dir);
});

const verifierFor = (k: SigningKeys) =>
  createTokenVerifier({
    ...audience,
    keys: createLocalJWKSet({ keys: k.jwks.map((j) => ({ ...j })) }),
  });

// A refusal is always a rejected promise, never a throw or a value.
async function refusal(verified: unknown): Promise<ConnectError> {
  expect(verified).toBeInstanceOf(Promise);
  const err = await (verified as Promise<unknown>).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const claims = () => ({
  iss: audience.issuer,
  aud: audience.audience,
  sub: "0190f0f0-0000-7000-8000-000000000001",
  jti: "j1",
  scope: "users:read admin",
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 600,
});

describe("access tokens", () => {
  it("issues EdDSA at+jwt tokens with kid that verify into a principal", async () => {
    const issued = await createTokenIssuer({ ...audience, keys, ttlSeconds: 600 }).issue("u1", [
      "users:read",
      "orders:write",
    ]);
    const [header] = issued.accessToken.split(".");
    expect(JSON.parse(Buffer.from(header!, "base64url").toString())).toEqual({
      alg: "EdDSA",
      typ: "at+jwt",
      kid: keys.current.kid,
    });
    const verify = verifierFor(keys);
    const first = verify(issued.accessToken);
    expect(first).toBeInstanceOf(Promise);
    const principal = await first;
    expect(principal).toMatchObject({ kind: "user", subject: "u1", credentialId: issued.jti });
    expect([...principal.scopes]).toEqual(["users:read", "orders:write"]);
    expect(issued.expiresIn).toBe(600);
    // Verified once: the next call answers at once, with no promise to wait on.
    expect(verify(issued.accessToken)).toBe(principal);
  });

  it("refuses alg none, whatever the claims say", async () => {
    const token = `${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims())}.`;
    const err = await refusal(verifierFor(keys)(token));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("access token invalid");
  });

  it("refuses HS256 signed with the published public key as the HMAC secret", async () => {
    const jwk = keys.jwks[0]!;
    const input = `${b64({ alg: "HS256", typ: "at+jwt", kid: jwk.kid })}.${b64(claims())}`;
    for (const secret of [
      JSON.stringify(jwk),
      jwk.x,
      createPublicKey(keys.current.privateKey).export({ format: "pem", type: "spki" }),
    ]) {
      const sig = createHmac("sha256", secret).update(input).digest("base64url");
      const err = await refusal(verifierFor(keys)(`${input}.${sig}`));
      expect(err.code).toBe(Code.Unauthenticated);
    }
  });

  it("refuses a wrong typ, issuer or audience, and a token without jti", async () => {
    const sign = (header: object, body: object) =>
      new SignJWT(body as never)
        .setProtectedHeader({ alg: "EdDSA", kid: keys.current.kid, ...header })
        .sign(keys.current.privateKey);
    const cases = [
      await sign({ typ: "JWT" }, claims()),
      await sign({ typ: "at+jwt" }, { ...claims(), iss: "https://evil.test" }),
      await sign({ typ: "at+jwt" }, { ...claims(), aud: "other-api" }),
      await sign({ typ: "at+jwt" }, { ...claims(), jti: undefined }),
    ];
    for (const token of cases) {
      expect((await refusal(verifierFor(keys)(token))).code).toBe(Code.Unauthenticated);
    }
  });

  it("says an expired token is expired", async () => {
    const token = await new SignJWT({ ...claims(), exp: Math.floor(Date.now() / 1000) - 60 })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: keys.current.kid })
      .sign(keys.current.privateKey);
    expect((await refusal(verifierFor(keys)(token))).rawMessage).toBe("access token expired");
  });

  it("refuses a token signed by a key that is not in the key set", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: keys.current.kid })
      .sign(privateKey);
    expect((await refusal(verifierFor(keys)(token))).code).toBe(Code.Unauthenticated);
  });

  it("picks up a key rotated in at the issuer: an unknown kid refetches the set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pp-jwt-rot-"));
    await ensureDevSigningKey(dir);
    let published = await loadSigningKeys(dir);
    let fetches = 0;
    const keySet = createRefreshingKeySet(
      async () => {
        fetches++;
        return published.jwks;
      },
      { cooldownMs: 0 },
    );
    const verify = createTokenVerifier({ ...audience, keys: keySet });
    const issue = (k: SigningKeys) =>
      createTokenIssuer({ ...audience, keys: k, ttlSeconds: 60 }).issue("u", []);
    await verify((await issue(published)).accessToken);
    // Rotate: a second key whose file name sorts later becomes current.
    const { privateKey } = generateKeyPairSync("ed25519");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(dir, "99999999T999999Z.pem"),
      privateKey.export({ format: "pem", type: "pkcs8" }),
    );
    const rotated = await loadSigningKeys(dir);
    expect(rotated.current.kid).not.toBe(published.current.kid);
    expect(rotated.jwks.map((k) => k.kid)).toContain(published.current.kid);
    published = rotated;
    await verify((await issue(rotated)).accessToken);
    expect(fetches).toBe(2);
  });
});

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock } from "../pki/file-lock.js";
import { ensurePrivateDir, writeSecretFile } from "../pki/private-files.js";

/** PublicJwk is an Ed25519 verification key as published in the JWKS (RFC 8037). */
export interface PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly alg: "EdDSA";
  readonly use: "sig";
}

/**
 * SigningKeys are identity's token keys: the newest signs, all are
 * published, so tokens signed before a rotation verify until they expire.
 */
export interface SigningKeys {
  readonly current: { readonly kid: string; readonly privateKey: KeyObject };
  /** Every key's public half, current first. */
  readonly jwks: readonly PublicJwk[];
}

/**
 * loadSigningKeys reads every `*.pem` (an Ed25519 private key, PKCS#8) in
 * `dir`. File names order the keys: the last name sorts newest and signs,
 * so rotating is dropping in a file named after today's date and, once
 * the old key's tokens have expired (10 minutes), removing the old file.
 */
export async function loadSigningKeys(dir: string): Promise<SigningKeys> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".pem")).sort();
  if (names.length === 0) throw new Error(`no signing keys (*.pem) in ${dir}`);
  const keys = await Promise.all(names.map((n) => readSigningKey(join(dir, n))));
  const newest = keys.at(-1)!;
  return {
    current: { kid: newest.jwk.kid, privateKey: newest.privateKey },
    jwks: keys.reverse().map((k) => k.jwk),
  };
}

async function readSigningKey(path: string) {
  const privateKey = createPrivateKey(await readFile(path, "utf8"));
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new Error(
      `${path}: expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`,
    );
  }
  return { privateKey, jwk: publicJwkOf(privateKey) };
}

/** publicJwkOf derives the published JWK of an Ed25519 key, `kid` = its thumbprint. */
export function publicJwkOf(key: KeyObject): PublicJwk {
  const { x } = createPublicKey(key).export({ format: "jwk" });
  if (typeof x !== "string") throw new Error("not an OKP key");
  return { kty: "OKP", crv: "Ed25519", x, kid: jwkThumbprint(x), alg: "EdDSA", use: "sig" };
}

// RFC 7638 §3.2: the required members in lexicographic order, no spaces,
// SHA-256, base64url. For OKP keys they are crv, kty, x (RFC 8037 §2).
function jwkThumbprint(x: string): string {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${x}"}`;
  return createHash("sha256").update(canonical).digest("base64url");
}

/**
 * ensureDevSigningKey creates a first key in `dir` (0700, the key 0600) when
 * it holds none: development and tests sign tokens without setup, like the
 * dev CA. Production mounts the directory from a secret instead.
 */
export async function ensureDevSigningKey(dir: string): Promise<void> {
  await ensurePrivateDir(dir);
  await withFileLock(join(dir, ".lock"), async () => {
    const existing = (await readdir(dir)).filter((n) => n.endsWith(".pem"));
    if (existing.length > 0) return;
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    await writeSecretFile(join(dir, `${utcStamp()}.pem`), pem);
  });
}

function utcStamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

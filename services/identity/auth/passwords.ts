import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";

// Algorithm is an ambient const enum, which isolatedModules cannot inline;
// 2 is Argon2id in @node-rs/argon2's index.d.ts.
const ARGON2ID = 2 as Algorithm;

// OWASP Password Storage Cheat Sheet's first argon2id setting: 19 MiB, two
// passes, one lane (https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html).
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * hashPassword is argon2id in PHC string format
 * (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), computed on libuv's thread
 * pool so the event loop keeps serving other calls.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * verifyPassword checks a password against a PHC hash. With no hash (an
 * unknown email, or a user created without a password) it still verifies
 * against a dummy hash and answers false, so the time taken does not tell
 * whether the account exists (OWASP Authentication Cheat Sheet).
 */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  if (phc !== null) return verify(phc, password);
  dummyHash ??= hashPassword(randomBytes(16).toString("base64url"));
  await verify(await dummyHash, password);
  return false;
}

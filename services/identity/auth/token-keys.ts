import { join } from "node:path";
import {
  ensureDevSigningKey,
  loadSigningKeys,
  type SigningKeys,
} from "../../../platform/auth/signing-keys.js";

/** devSigningKeysDir is where development and tests keep the token key: beside the dev CA. */
export function devSigningKeysDir(certsDir: string): string {
  return join(certsDir, "jwt");
}

/**
 * loadTokenKeys reads identity's signing keys from AUTH_SIGNING_KEYS_DIR
 * (mounted from a secret in production), or makes a dev key beside the dev
 * CA when it is unset, so `npm start` needs no setup.
 */
export async function loadTokenKeys(config: {
  readonly authSigningKeysDir?: string | undefined;
  readonly certsDir: string;
}): Promise<SigningKeys> {
  if (config.authSigningKeysDir !== undefined) return loadSigningKeys(config.authSigningKeysDir);
  const dir = devSigningKeysDir(config.certsDir);
  await ensureDevSigningKey(dir);
  return loadSigningKeys(dir);
}

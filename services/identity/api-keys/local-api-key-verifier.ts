import type { ApiKeyVerifier } from "../../../platform/auth/authenticator.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import type * as schema from "../db/schema.js";
import { apiKeyInvalid } from "./api-key-service.js";
import { findApiKey } from "./api-key-store.js";

/**
 * createLocalApiKeyVerifier checks API keys in identity's own table: the
 * same lookup VerifyApiKey serves to other processes, without the RPC.
 */
export function createLocalApiKeyVerifier(db: AppDatabase<typeof schema>): ApiKeyVerifier {
  return async (secret) => {
    const found = await findApiKey(db, secret);
    if (found === undefined) throw apiKeyInvalid();
    return Object.freeze({
      kind: "api_key",
      subject: found.userId,
      scopes: new Set(found.scopes),
      credentialId: found.keyId,
    });
  };
}

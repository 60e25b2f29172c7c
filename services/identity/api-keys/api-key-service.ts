import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ApiKeyService } from "../../../gen/identity/v1/api_key_service_pb.js";
import { auditCallerOf } from "../../../platform/audit/index.js";
import { type Principal, principalOf } from "../../../platform/auth/principal.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import { decodeCursor, pageSize } from "../../../platform/pagination/index.js";
import type * as schema from "../db/schema.js";
import { nextCursorOf } from "../next-cursor.js";
import { toApiKey } from "./api-key-message.js";
import { createApiKeyRow, findApiKey, listApiKeyRows, revokeApiKeyRow } from "./api-key-store.js";

/**
 * createApiKeyService implements identity.v1.ApiKeyService. Every public
 * call acts on the caller's own keys only; another user's key id is
 * NOT_FOUND, as a missing one is (OWASP API1).
 */
export function createApiKeyService(
  db: AppDatabase<typeof schema>,
): ServiceImpl<typeof ApiKeyService> {
  return {
    async createApiKey(req, ctx) {
      const principal = signedInUser(ctx);
      const missing = req.scopes.find((s) => !principal.scopes.has(s));
      if (missing !== undefined) {
        throw new ConnectError(
          `cannot grant the scope "${missing}": the caller does not hold it`,
          Code.PermissionDenied,
        );
      }
      const request = { userId: principal.subject, name: req.name, scopes: req.scopes };
      const { row, secret } = await createApiKeyRow(db, request, auditCallerOf(ctx));
      return { apiKey: toApiKey(row), secret };
    },
    async listApiKeys(req, ctx) {
      const owner = ownerOf(ctx);
      const before = req.cursor === "" ? undefined : decodeCursor(req.cursor);
      const page = await listApiKeyRows(db, owner, before, pageSize(req.limit));
      return {
        data: page.rows.map(toApiKey),
        nextCursor: nextCursorOf(page.hasMore, page.rows.at(-1)?.keyId),
        hasMore: page.hasMore,
      };
    },
    async revokeApiKey(req, ctx) {
      const row = await revokeApiKeyRow(db, ownerOf(ctx), req.keyId, auditCallerOf(ctx));
      if (row === undefined)
        throw new ConnectError(`api key ${req.keyId} not found`, Code.NotFound);
      return { apiKey: toApiKey(row) };
    },
    async verifyApiKey(req) {
      const found = await findApiKey(db, req.secret);
      if (found === undefined) throw apiKeyInvalid();
      return { keyId: found.keyId, userId: found.userId, scopes: [...found.scopes] };
    },
  };
}

/** apiKeyInvalid is the one answer to any key that does not verify: unknown, revoked or orphaned. */
export function apiKeyInvalid(): ConnectError {
  return new ConnectError("API key invalid", Code.Unauthenticated);
}

// Keys are managed by people: a key cannot mint another key, or a leaked
// key could outlive its own revocation.
function signedInUser(ctx: HandlerContext): Principal {
  const principal = principalOf(ctx);
  if (principal?.kind !== "user") {
    throw new ConnectError(
      "only a signed-in user can create API keys, not an API key",
      Code.PermissionDenied,
    );
  }
  return principal;
}

function ownerOf(ctx: HandlerContext): string {
  const principal = principalOf(ctx);
  if (principal === undefined)
    throw new ConnectError("this call needs a signed-in user", Code.Unauthenticated);
  return principal.subject;
}

import { timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { AuditCaller } from "../../../platform/audit/index.js";
import { apiKeyLookup, generateApiKey, hashApiKey } from "../../../platform/auth/api-key-format.js";
import { type AppDatabase, withTransaction } from "../../../platform/db/index.js";
import { recordAudit } from "../audit/record-audit.js";
import type * as schema from "../db/schema.js";
import { type ApiKeyRow, apiKeys, users } from "../db/schema.js";

type Db = AppDatabase<typeof schema>;

/** NewApiKeyRequest is a key a user asks for. */
export interface NewApiKeyRequest {
  readonly userId: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** VerifiedApiKey is who a valid key acts for, and with which scopes. */
export interface VerifiedApiKey {
  readonly keyId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
}

/**
 * createApiKeyRow makes a key, stores its SHA-256 and lookup id (never the
 * secret) with an audit row, and returns the row and the secret, which the
 * caller shows once.
 */
export function createApiKeyRow(
  db: Db,
  request: NewApiKeyRequest,
  caller: AuditCaller,
): Promise<{ row: ApiKeyRow; secret: string }> {
  const key = generateApiKey();
  return withTransaction(db, async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        keyId: uuidv7(),
        userId: request.userId,
        name: request.name,
        lookup: key.lookup,
        displayPrefix: key.displayPrefix,
        keyHash: key.hash,
        scopes: [...request.scopes],
      })
      .returning();
    const details = { owner: request.userId, scopes: [...request.scopes] };
    await recordAudit(tx, caller, {
      action: "api_key.created",
      target: `api_key:${row!.keyId}`,
      details,
    });
    return { row: row!, secret: key.secret };
  });
}

/** listApiKeyRows pages through a user's keys, newest first (UUIDv7 order). */
export async function listApiKeyRows(
  db: Db,
  userId: string,
  before: string | undefined,
  limit: number,
) {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(eq(apiKeys.userId, userId), before === undefined ? undefined : lt(apiKeys.keyId, before)),
    )
    .orderBy(desc(apiKeys.keyId))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
}

/**
 * revokeApiKeyRow revokes one of `userId`'s keys, auditing the first
 * revocation only; revoking again returns the key unchanged. Undefined
 * when the user has no such key.
 */
export function revokeApiKeyRow(
  db: Db,
  userId: string,
  keyId: string,
  caller: AuditCaller,
): Promise<ApiKeyRow | undefined> {
  const owned = and(eq(apiKeys.keyId, keyId), eq(apiKeys.userId, userId));
  return withTransaction(db, async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokeTime: sql`now()` })
      .where(and(owned, isNull(apiKeys.revokeTime)))
      .returning();
    if (revoked === undefined) return (await tx.select().from(apiKeys).where(owned))[0];
    await recordAudit(tx, caller, { action: "api_key.revoked", target: `api_key:${keyId}` });
    return revoked;
  });
}

/**
 * findApiKey resolves a presented key: found by its lookup id, then its
 * SHA-256 compared in constant time, unrevoked, and its owner still there.
 * The key's scopes are cut down to what the owner holds now, so taking a
 * scope from a user takes it from their keys too.
 */
export async function findApiKey(db: Db, secret: string): Promise<VerifiedApiKey | undefined> {
  const lookup = apiKeyLookup(secret);
  if (lookup === undefined) return undefined;
  const [row] = await db
    .select({
      keyId: apiKeys.keyId,
      userId: apiKeys.userId,
      keyHash: apiKeys.keyHash,
      scopes: apiKeys.scopes,
      owner: users.scopes,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.userId, apiKeys.userId))
    .where(and(eq(apiKeys.lookup, lookup), isNull(apiKeys.revokeTime)));
  if (row === undefined || !sameHash(row.keyHash, hashApiKey(secret))) return undefined;
  const owner = new Set(row.owner);
  return { keyId: row.keyId, userId: row.userId, scopes: row.scopes.filter((s) => owner.has(s)) };
}

function sameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, "hex");
  const b = Buffer.from(presented, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

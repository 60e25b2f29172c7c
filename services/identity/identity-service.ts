import { createLocalJWKSet } from "jose";
import { ApiKeyService } from "../../gen/identity/v1/api_key_service_pb.js";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { eventStream } from "../../platform/events/topology.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { defineService } from "../../platform/service/index.js";
import { createApiKeyService } from "./api-keys/api-key-service.js";
import { createLocalApiKeyVerifier } from "./api-keys/local-api-key-verifier.js";
import { createAuthService } from "./auth/auth-service.js";
import { identityAuthConfig } from "./auth/identity-auth-config.js";
import { loadTokenKeys } from "./auth/token-keys.js";
import { orderCountSubscription } from "./consumers/order-count.js";
import * as schema from "./db/schema.js";
import { migrationsFolder } from "./index.js";
import { createUserService } from "./service.js";
import { createUserStore } from "./user-store.js";

/**
 * identityService tells the platform how to run identity: its mTLS name,
 * default ports, tables and migrations, and the RPC implementations.
 */
export const identityService = defineService({
  name: "identity",
  ports: { rpcPort: 50051, adminPort: 9051 },
  config: identityAuthConfig,
  database: { schema, migrationsFolder },
  audit: { table: schema.auditLog },
  // identity reads orders' stream to keep each user's order_count.
  events: {
    streams: [eventStream("orders")],
    subscriptions: (db) => [orderCountSubscription(db)],
  },
  create: async ({ config, database, provideAuthSources }) => {
    const keys = await loadTokenKeys(config);
    // Identity verifies with its own keys and tables; no call to itself.
    provideAuthSources({
      keys: createLocalJWKSet({ keys: keys.jwks.map((k) => ({ ...k })) }),
      apiKeys: createLocalApiKeyVerifier(database.db),
    });
    const auth = createAuthService({
      keys,
      db: database.db,
      tokens: {
        issuer: config.authIssuer,
        audience: config.authAudience,
        accessTtlSeconds: config.accessTokenTtlSeconds,
        refreshTtlSeconds: config.refreshTokenTtlSeconds,
      },
      lock: { maxFailures: config.loginMaxFailures, lockSeconds: config.loginLockSeconds },
    });
    return [
      registerService(UserService, createUserService({ store: createUserStore(database.db) })),
      registerService(AuthService, auth),
      registerService(ApiKeyService, createApiKeyService(database.db)),
    ];
  },
});

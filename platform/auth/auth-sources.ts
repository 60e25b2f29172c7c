import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";
import type { JWTVerifyGetKey } from "jose";
import { ApiKeyService } from "../../gen/identity/v1/api_key_service_pb.js";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { callUnder } from "../client/call-parent.js";
import { REQUEST_ID_HEADER } from "../rpc/request-id.js";
import type { ApiKeyVerifier } from "./authenticator.js";
import type { Principal } from "./principal.js";
import { createRefreshingKeySet } from "./refreshing-key-set.js";
import type { PublicJwk } from "./signing-keys.js";

/**
 * AuthSources are where a process checks credentials: the keys that verify
 * access tokens and the lookup of API keys. Identity has both locally; every
 * other process asks identity over mTLS ({@link createIdentityAuthSources}).
 */
export interface AuthSources {
  readonly keys: JWTVerifyGetKey;
  readonly apiKeys: ApiKeyVerifier;
}

/**
 * createIdentityAuthSources asks identity: the JWKS from AuthService.GetJwks
 * (cached, refetched for an unknown `kid`), API keys from
 * ApiKeyService.VerifyApiKey (the authenticator caches the answers).
 * Identity being down fails the check UNAVAILABLE, never open.
 */
export function createIdentityAuthSources(transport: Transport): AuthSources {
  const auth = createClient(AuthService, transport);
  const keys = createClient(ApiKeyService, transport);
  return {
    keys: createRefreshingKeySet(async () => {
      const { keys: jwks } = await auth.getJwks({}, { timeoutMs: 2_000 });
      return jwks as unknown as PublicJwk[];
    }),
    apiKeys: (secret, parent, requestId) => verifyRemotely(keys, secret, parent, requestId),
  };
}

async function verifyRemotely(
  keys: Client<typeof ApiKeyService>,
  secret: string,
  parent: Span | undefined,
  requestId: string | undefined,
): Promise<Principal> {
  try {
    const found = await keys.verifyApiKey(
      { secret },
      {
        timeoutMs: 2_000,
        contextValues: callUnder(parent),
        headers: requestId === undefined ? undefined : { [REQUEST_ID_HEADER]: requestId },
      },
    );
    return Object.freeze({
      kind: "api_key",
      subject: found.userId,
      scopes: new Set(found.scopes),
      credentialId: found.keyId,
    });
  } catch (err) {
    const refused = ConnectError.from(err);
    // Identity's own refusal passes through; any other failure is ours to
    // report as "cannot check now", not as a bad key.
    if (refused.code === Code.Unauthenticated) throw refused;
    throw new ConnectError(
      "cannot verify the API key now",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
}

import type { IncomingMessage } from "node:http";
import type { GatewayAuthenticator } from "../../runtime/create-gateway-handler.js";
import type { EdgePrincipal } from "../principal-key.js";

/** TEST_PRINCIPAL_HEADER names the user a test request acts for. */
export const TEST_PRINCIPAL_HEADER = "x-test-user";

/**
 * testAuthenticator stands in for credential verification in edge tests:
 * a request naming a user in {@link TEST_PRINCIPAL_HEADER} acts for that
 * user (`api-key:<id>` for an API key), any other is anonymous.
 */
export const testAuthenticator: GatewayAuthenticator = (req: IncomingMessage) => {
  const user = req.headers[TEST_PRINCIPAL_HEADER];
  if (typeof user !== "string") return undefined;
  const principal: EdgePrincipal = user.startsWith("api-key:")
    ? { kind: "api_key", subject: "owner", credentialId: user.slice(8) }
    : { kind: "user", subject: user, credentialId: `jti-${user}` };
  return principal;
};

import type { GatewayClient } from "./gateway-http.js";
import type { LoadRequest } from "./http-load.js";
import { adminHeaders, createGatewayUser } from "./test-users.js";

/**
 * UNLIMITED_EDGE turns the gateway's read and write rate limits off: a load
 * test's traffic comes from one user and one admin, whose per-principal
 * budgets would answer 429 long before the drain or restart under test.
 */
export const UNLIMITED_EDGE = Object.freeze({ RATE_LIMIT_READ: "off", RATE_LIMIT_WRITE: "off" });

/**
 * userLoadMix creates a user as an admin and returns the lifecycle tests'
 * request mix: three reads of that user with its own token for one write
 * (the admin creating another user), so both GETs and POSTs are in flight.
 */
export async function userLoadMix(
  api: GatewayClient,
  certsDir: string,
  name: string,
): Promise<LoadRequest[]> {
  const admin = await adminHeaders(certsDir);
  const { userId, headers: own } = await createGatewayUser(api, certsDir, {
    email: `${name}@example.com`,
    displayName: name,
  });
  let posted = 0;
  const read: LoadRequest = { method: "GET", path: `/v1/users/${userId}`, headers: own };
  return [
    read,
    read,
    read,
    {
      method: "POST",
      path: "/v1/users",
      headers: admin,
      body: () => JSON.stringify({ email: `${name}-${++posted}@example.com`, display_name: "L" }),
    },
  ];
}

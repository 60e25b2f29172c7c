import type { Client } from "@connectrpc/connect";
import type { UserService } from "../../gen/identity/v1/user_service_pb.js";
import type { GatewayClient } from "./gateway-http.js";
import { ADMIN_SCOPES, bearer, mintTestToken } from "./test-tokens.js";

/**
 * AuthHeaders is what a call sends to act for a user: `Authorization:
 * Bearer <token>`. A type, not an interface, so it fits any headers record.
 */
export type AuthHeaders = { readonly authorization: string };

/** TestUser is a user a test created as an admin, with a token of its own. */
export interface TestUser {
  readonly userId: string;
  readonly token: string;
  readonly headers: AuthHeaders;
}

/** ADMIN_SUBJECT is the admin's user id: no user has it, so the admin acts on others' data only. */
export const ADMIN_SUBJECT = "00000000-0000-7000-8000-00000000ad01";

/** mintAdminToken is the token of an operator holding the admin scope (CreateUser, ListUsers). */
export function mintAdminToken(certsDir: string): Promise<string> {
  return mintTestToken(certsDir, ADMIN_SUBJECT, ADMIN_SCOPES);
}

/** adminHeaders send {@link mintAdminToken}'s token. */
export async function adminHeaders(certsDir: string): Promise<AuthHeaders> {
  return { authorization: bearer(await mintAdminToken(certsDir)) };
}

/** testUserOf gives an existing user a token with a signed-up user's scopes. */
export async function testUserOf(certsDir: string, userId: string): Promise<TestUser> {
  const token = await mintTestToken(certsDir, userId);
  return { userId, token, headers: { authorization: bearer(token) } };
}

/** NewTestUser is the CreateUser request a test sends. */
export interface NewTestUser {
  readonly email: string;
  readonly displayName: string;
}

/**
 * createUserAsAdmin creates a user with CreateUser (which needs the admin
 * scope) over an RPC client, and returns it with a token acting for it.
 */
export async function createUserAsAdmin(
  users: Client<typeof UserService>,
  certsDir: string,
  user: NewTestUser,
): Promise<TestUser> {
  const headers = await adminHeaders(certsDir);
  const created = await users.createUser(user, { headers: { ...headers } });
  return testUserOf(certsDir, created.user!.userId);
}

/**
 * createGatewayUser creates a user through the gateway's `POST /v1/users`
 * as an admin and returns it with a token acting for it, and the JSON body.
 */
export async function createGatewayUser(
  api: GatewayClient,
  certsDir: string,
  user: NewTestUser,
  // biome-ignore lint/suspicious/noExplicitAny: the body is checked against gen/openapi.json by the client.
): Promise<TestUser & { readonly body: any }> {
  const res = await api.send("POST", "/v1/users", {
    json: { email: user.email, display_name: user.displayName },
    headers: { ...(await adminHeaders(certsDir)) },
  });
  if (res.status !== 200) throw new Error(`POST /v1/users: ${res.status} ${res.text}`);
  return { ...(await testUserOf(certsDir, res.body.user_id)), body: res.body };
}

/**
 * OWASP API Security Top 10 2023, API1: Broken Object Level Authorization
 * (https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/).
 * Through the real gateway in front of identity and orders: for every route
 * in gen/gateway/routes.ts that takes an id, user B's token on user A's
 * object answers 404 exactly as a missing id does and changes nothing; A's
 * own token works; an admin token reads A's object but cannot change it.
 * The cases are keyed by route: a new route with an id fails here until it
 * has one.
 */
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteSpec } from "../../gateway/runtime/route-spec.js";
import { routes } from "../../gen/gateway/routes.js";
import { createGatewayClient, type GatewayClient } from "../support/gateway-http.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { type PlatformGateway, startPlatformGateway } from "../support/start-platform-gateway.js";
import {
  type AuthHeaders,
  adminHeaders,
  createGatewayUser,
  type TestUser,
} from "../support/test-users.js";

/** World is a fresh pair of users and A's objects, one per case: a case may delete them. */
interface World {
  readonly a: TestUser;
  readonly b: TestUser;
  readonly admin: AuthHeaders;
  readonly orderId: string;
}

interface Call {
  readonly method: string;
  readonly path: string;
  readonly json?: unknown;
}

/** IdRouteCase says how to aim one route at an object, and how its owner sees that object. */
interface IdRouteCase {
  /** A's object the route names, made in `world` (or by `prepare`). */
  readonly object: (w: World) => Promise<string> | string;
  /** The request naming `id`. */
  readonly call: (id: string) => Call;
  /** A read, as A, of everything the call could change. */
  readonly state: (w: World) => Call;
  /** Administrative RPC (scope "admin"): refused to users by scope (403), allowed to admins. */
  readonly adminOnly?: boolean;
}

const ITEMS = [{ sku: "book-1", quantity: 1, unit_price_cents: "1999" }];

const userOf = (w: World) => w.a.userId;
const orderOf = (w: World) => w.orderId;
const readUser = (w: World): Call => ({ method: "GET", path: `/v1/users/${w.a.userId}` });
const readOrders = (w: World): Call => ({ method: "GET", path: `/v1/users/${w.a.userId}/orders` });
const readOrder = (w: World): Call => ({ method: "GET", path: `/v1/orders/${w.orderId}` });
const readKeys = (): Call => ({ method: "GET", path: "/v1/api-keys" });

const cases: Record<string, IdRouteCase> = {
  "GET /v1/users/{user_id}": {
    object: userOf,
    call: (id) => ({ method: "GET", path: `/v1/users/${id}` }),
    state: readUser,
  },
  "PATCH /v1/users/{user.user_id}": {
    object: userOf,
    call: (id) => ({
      method: "PATCH",
      path: `/v1/users/${id}?update_mask=displayName`,
      json: { display_name: "Mallory" },
    }),
    state: readUser,
  },
  "DELETE /v1/users/{user_id}": {
    object: userOf,
    call: (id) => ({ method: "DELETE", path: `/v1/users/${id}` }),
    state: readUser,
  },
  "POST /v1/users/{user_id}/orders": {
    object: userOf,
    call: (id) => ({
      method: "POST",
      path: `/v1/users/${id}/orders`,
      json: { items: ITEMS, currency: "EUR" },
    }),
    state: readOrders,
  },
  "GET /v1/users/{user_id}/orders": {
    object: userOf,
    call: (id) => ({ method: "GET", path: `/v1/users/${id}/orders` }),
    state: readOrders,
  },
  "GET /v1/orders/{order_id}": {
    object: orderOf,
    call: (id) => ({ method: "GET", path: `/v1/orders/${id}` }),
    state: readOrder,
  },
  "PATCH /v1/orders/{order_id}/status": {
    object: orderOf,
    call: (id) => ({
      method: "PATCH",
      path: `/v1/orders/${id}/status`,
      json: { status: "ORDER_STATUS_CONFIRMED", version: "1" },
    }),
    state: readOrder,
    adminOnly: true,
  },
  "POST /v1/orders/{order_id}:cancel": {
    object: orderOf,
    call: (id) => ({ method: "POST", path: `/v1/orders/${id}:cancel`, json: {} }),
    state: readOrder,
  },
  "POST /v1/api-keys/{key_id}:revoke": {
    object: (w) => createApiKey(w.a),
    call: (id) => ({ method: "POST", path: `/v1/api-keys/${id}:revoke`, json: {} }),
    state: readKeys,
  },
};

let platform: OrdersPlatform;
let gateway: PlatformGateway;
let api: GatewayClient;
let emails = 0;

beforeAll(async () => {
  platform = await startOrdersPlatform();
  gateway = await startPlatformGateway(platform);
  api = createGatewayClient(gateway.gateway.port);
});

afterAll(async () => {
  await gateway?.stop();
  await platform?.stop();
});

function send(call: Call, as: AuthHeaders) {
  return api.send(call.method, call.path, {
    headers: { ...as },
    ...(call.json === undefined ? {} : { json: call.json }),
  });
}

async function newUser(name: string): Promise<TestUser> {
  const email = `bola${++emails}@example.com`;
  return createGatewayUser(api, platform.certsDir, { email, displayName: name });
}

async function newWorld(): Promise<World> {
  const [a, b, admin] = await Promise.all([
    newUser("A"),
    newUser("B"),
    adminHeaders(platform.certsDir),
  ]);
  const order = await send(cases["POST /v1/users/{user_id}/orders"]!.call(a.userId), a.headers);
  expect(order.status).toBe(200);
  // identity counts A's orders from OrderCreated, later: let it settle, so
  // that "unchanged" compares like with like.
  await expect
    .poll(async () => (await send(readUser({ a } as World), a.headers)).body.order_count)
    .toBe("1");
  return { a, b, admin, orderId: order.body.order_id };
}

async function createApiKey(owner: TestUser): Promise<string> {
  const call = {
    method: "POST",
    path: "/v1/api-keys",
    json: { name: "ci", scopes: ["orders:read"] },
  };
  const res = await send(call, owner.headers);
  expect(res.status).toBe(200);
  return res.body.api_key.key_id;
}

/** stateOf is what A sees of everything the case's call could change. */
async function stateOf(c: IdRouteCase, w: World): Promise<unknown> {
  const res = await send(c.state(w), w.a.headers);
  expect(res.status).toBe(200);
  return res.body;
}

// Ids appear in messages ("order <id> not found"); the rest must match to the byte.
function errorShape(res: { body: { error: { code: string; message: string } } }, id: string) {
  return { code: res.body.error.code, message: res.body.error.message.replaceAll(id, "<id>") };
}

const keyOf = (r: RouteSpec) => `${r.httpMethod} ${r.pathTemplate}`;
const routesWithId = routes.filter((r) => r.variables.length > 0).map(keyOf);

describe("API1 broken object level authorization: every route that takes an id", () => {
  it("has a case here for each such route in gen/gateway/routes.ts", () => {
    expect(routesWithId.filter((key) => cases[key] === undefined)).toEqual([]);
  });

  describe.each(routesWithId)("%s", (key) => {
    const c = cases[key]!;

    it("answers another user's token on A's object exactly as a missing id, changing nothing", async () => {
      const w = await newWorld();
      const id = await c.object(w);
      const before = await stateOf(c, w);
      const denied = await send(c.call(id), w.b.headers);
      const missingId = uuidv7();
      const missing = await send(c.call(missingId), w.b.headers);
      // An administrative RPC refuses a user by scope before looking anything up.
      expect(denied.status).toBe(c.adminOnly ? 403 : 404);
      expect(missing.status).toBe(denied.status);
      expect(errorShape(denied, id)).toEqual(errorShape(missing, missingId));
      expect(await stateOf(c, w)).toEqual(before);
    });

    it(
      c.adminOnly
        ? "lets an admin change A's object: an administrative RPC"
        : key.startsWith("GET ")
          ? "lets an admin token read A's object"
          : "refuses an admin token a change to A's object, changing nothing",
      async () => {
        const w = await newWorld();
        const id = await c.object(w);
        const before = await stateOf(c, w);
        const res = await send(c.call(id), w.admin);
        if (c.adminOnly) {
          expect(res.status).toBe(200);
        } else if (key.startsWith("GET ")) {
          expect(res.status).toBe(200);
          expect(res.body).toEqual((await send(c.call(id), w.a.headers)).body);
        } else {
          expect(res.status).toBe(404);
          expect(await stateOf(c, w)).toEqual(before);
        }
      },
    );

    it(
      c.adminOnly
        ? "refuses the owner without the admin scope (403)"
        : "serves A's own token (200)",
      async () => {
        const w = await newWorld();
        const id = await c.object(w);
        const before = await stateOf(c, w);
        const res = await send(c.call(id), w.a.headers);
        expect(res.status).toBe(c.adminOnly ? 403 : 200);
        if (c.adminOnly) expect(await stateOf(c, w)).toEqual(before);
      },
    );
  });
});

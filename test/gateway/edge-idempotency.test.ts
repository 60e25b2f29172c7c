/**
 * Idempotency-Key through real HTTP servers, with the store on a real
 * database (Postgres when TEST_DATABASE_URL is set, PGlite otherwise):
 * Stripe's semantics, shared by every gateway instance.
 */
import { request } from "node:http";
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../../gateway/db/index.js";
import * as schema from "../../gateway/db/schema.js";
import {
  createIdempotencyStore,
  type IdempotencyStore,
} from "../../gateway/edge/idempotency-store.js";
import {
  TEST_PRINCIPAL_HEADER,
  testAuthenticator,
} from "../../gateway/edge/testing/test-principal.js";
import type { GatewayCall } from "../../gateway/runtime/create-gateway-handler.js";
import { createLibraryUpstream } from "../../gateway/runtime/testing/library-upstream.js";
import {
  type SendOptions,
  startTestGateway,
  type TestGateway,
} from "../../gateway/runtime/testing/start-test-gateway.js";
import type { CreateBookRequest } from "../../gen/gwtest/v1/library_pb.js";
import { runMigrations } from "../../platform/db/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { platformError } from "../../platform/rpc/platform-error.js";

let database: TestDatabase<typeof schema>;
let store: IdempotencyStore;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase(schema);
  await runMigrations(database, migrationsFolder, { service: "gateway" });
  store = createIdempotencyStore(database.db, { lockMs: 60_000 });
});

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});

afterAll(async () => {
  await database?.drop();
});

/**
 * upstream is the library service with a CreateBook that counts its runs
 * and fails or waits on purpose by title: "" is refused by validation,
 * "taken" already exists, "hold" waits until `release()` (or until the
 * call is cancelled, as a real RPC would be).
 */
function createUpstream() {
  const library = createLibraryUpstream();
  let releaseHeld: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
  const state = { created: 0, holding: 0 };
  const call: GatewayCall = async (route, message, context) => {
    if (route.method.name !== "CreateBook") return library.call(route, message, context);
    const title = (message as Message as CreateBookRequest).book?.title;
    if (title === "") {
      throw platformError(Code.InvalidArgument, "VALIDATION_FAILED", "title is required");
    }
    state.created++;
    if (title === "taken") throw new ConnectError("book already exists", Code.AlreadyExists);
    if (title === "hold") {
      state.holding++;
      await Promise.race([held, aborted(context.signal)]);
    }
    return library.call(route, message, context);
  };
  return { call, state, release: () => releaseHeld() };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener("abort", () => reject(new ConnectError("cancelled", Code.Canceled))),
  );
}

async function start(upstream = createUpstream()) {
  const gateway = await startTestGateway({
    call: upstream.call,
    authenticate: testAuthenticator,
    idempotency: store,
  });
  gateways.push(gateway);
  return { gateway, upstream };
}

let keys = 0;
const newKey = () => `order-${Date.now()}-${++keys}`;

function createBook(
  g: TestGateway,
  key: string | undefined,
  book: unknown,
  options: { user?: string | null } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  if (options.user !== null) headers[TEST_PRINCIPAL_HEADER] = options.user ?? "ada";
  const send: SendOptions = {
    headers,
    body: typeof book === "string" ? book : JSON.stringify(book),
  };
  return g.send("POST", "/v1/shelves/1/books?book_id=b1", send);
}

const errorCode = (text: string) => JSON.parse(text).error.code as string;

describe("Idempotency-Key", () => {
  it("replays the first answer, status and body, marked Idempotent-Replayed", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    const first = await createBook(gateway, key, { title: "Dune" });
    expect(first.status).toBe(200);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const again = await createBook(gateway, key, { title: "Dune" });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.headers["content-type"]).toBe("application/json");
    expect(again.headers["cache-control"]).toBe("no-store");
    expect(upstream.state.created).toBe(1);
  });

  it("treats a reformatted body with the same content as the same request", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    await createBook(gateway, key, '{"title":"Dune","pages":"412"}');
    const again = await createBook(gateway, key, '{ "pages": "412",\n  "title": "Dune" }');
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(upstream.state.created).toBe(1);
  });

  it("answers 409 while the key's first request still runs", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    const first = createBook(gateway, key, { title: "hold" });
    await expect.poll(() => upstream.state.holding).toBe(1);
    const concurrent = await createBook(gateway, key, { title: "hold" });
    expect(concurrent.status).toBe(409);
    expect(errorCode(concurrent.text)).toBe("IDEMPOTENCY_KEY_IN_USE");
    upstream.release();
    expect((await first).status).toBe(200);
    const after = await createBook(gateway, key, { title: "hold" });
    expect(after.headers["idempotent-replayed"]).toBe("true");
    expect(upstream.state.created).toBe(1);
  });

  it("answers 422 when the key comes back with other parameters", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    await createBook(gateway, key, { title: "Dune" });
    const changed = await createBook(gateway, key, { title: "Dune Messiah" });
    expect(changed.status).toBe(422);
    expect(errorCode(changed.text)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(upstream.state.created).toBe(1);
  });

  it("stores no validation failure: the corrected request may reuse the key", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    const malformed = await createBook(gateway, key, "{");
    expect(malformed.status).toBe(400);
    const invalid = await createBook(gateway, key, { title: "" });
    expect(invalid.status).toBe(400);
    expect(errorCode(invalid.text)).toBe("VALIDATION_FAILED");
    const fixed = await createBook(gateway, key, { title: "Dune" });
    expect(fixed.status).toBe(200);
    expect(fixed.headers["idempotent-replayed"]).toBeUndefined();
    expect(upstream.state.created).toBe(1);
  });

  it("replays an error the endpoint answered after it ran", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    const first = await createBook(gateway, key, { title: "taken" });
    expect(first.status).toBe(409);
    const again = await createBook(gateway, key, { title: "taken" });
    expect(again.status).toBe(409);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(upstream.state.created).toBe(1);
  });

  it("accepts keys up to 255 characters and refuses longer or empty ones with 400", async () => {
    const { gateway, upstream } = await start();
    const longest = await createBook(gateway, "k".repeat(255), { title: "Dune" });
    expect(longest.status).toBe(200);
    for (const key of ["k".repeat(256), ""]) {
      const refused = await createBook(gateway, key, { title: "Dune" });
      expect(refused.status).toBe(400);
      expect(errorCode(refused.text)).toBe("IDEMPOTENCY_KEY_INVALID");
    }
    expect(upstream.state.created).toBe(1);
  });

  it("is shared by gateway instances on one store: each replays the other's answers", async () => {
    const { gateway: a, upstream } = await start();
    const { gateway: b } = await start(upstream);
    const key = newKey();
    const first = await createBook(a, key, { title: "Dune" });
    const fromB = await createBook(b, key, { title: "Dune" });
    expect(fromB.text).toBe(first.text);
    expect(fromB.headers["idempotent-replayed"]).toBe("true");
    expect(upstream.state.created).toBe(1);
  });

  it("scopes keys to the principal: another user's same key is another request", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    await createBook(gateway, key, { title: "Dune" });
    const other = await createBook(gateway, key, { title: "Emma" }, { user: "grace" });
    expect(other.status).toBe(200);
    expect(other.headers["idempotent-replayed"]).toBeUndefined();
    expect(upstream.state.created).toBe(2);
  });

  it("is ignored on anonymous requests, whose answers may carry credentials", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    await createBook(gateway, key, { title: "Dune" }, { user: null });
    const again = await createBook(gateway, key, { title: "Dune" }, { user: null });
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
    expect(upstream.state.created).toBe(2);
  });

  it("is ignored on GET", async () => {
    const { gateway } = await start();
    const res = await gateway.send("GET", "/v1/shelves/1/books/2", {
      headers: { "idempotency-key": "k".repeat(300), [TEST_PRINCIPAL_HEADER]: "ada" },
    });
    expect(res.status).toBe(200);
  });

  it("lets a keyed request finish when its client leaves, so the retry replays it", async () => {
    const { gateway, upstream } = await start();
    const key = newKey();
    const body = JSON.stringify({ title: "hold" });
    const req = request({
      host: "127.0.0.1",
      port: gateway.port,
      method: "POST",
      path: "/v1/shelves/1/books?book_id=b1",
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "idempotency-key": key,
        [TEST_PRINCIPAL_HEADER]: "ada",
      },
    });
    req.on("error", () => {});
    req.end(body);
    await expect.poll(() => upstream.state.holding).toBe(1);
    req.destroy();
    // Time for the disconnect to reach the server, which would cancel an unkeyed call.
    await new Promise((r) => setTimeout(r, 200));
    upstream.release();
    await expect
      .poll(
        async () =>
          (await createBook(gateway, key, { title: "hold" })).headers["idempotent-replayed"],
      )
      .toBe("true");
    expect(upstream.state.created).toBe(1);
  });
});

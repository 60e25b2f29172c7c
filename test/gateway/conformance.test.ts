/**
 * Gateway conformance: HttpRule semantics (google/api/http.proto), ProtoJSON
 * and the error envelope, end to end through createGatewayHandler on a real
 * socket. Each row is one HTTP exchange against the gwtest.v1 library routes
 * (gateway/runtime/testing/library-routes.ts) and an in-process upstream
 * that records the mapped request and answers from it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "../../gateway/runtime/testing/library-upstream.js";
import {
  type SendOptions,
  startTestGateway,
  type TestGateway,
  type TestResponse,
} from "../../gateway/runtime/testing/start-test-gateway.js";

const MAX_BODY = 4096;
const TIMEOUT_MS = 2500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly json?: unknown;
  readonly send?: SendOptions;
  readonly status: number;
  /** The RPC the upstream must have seen, or null for "not called". */
  readonly rpc?: string | null;
  /** The mapped request, exactly (ProtoJSON, proto names, zero values omitted). */
  readonly request?: unknown;
  /** The response body, exactly. */
  readonly body?: unknown;
  /** For errors: the envelope's code, and optionally its message and details. */
  readonly error?: { code: string; message?: string | RegExp; details?: unknown };
  /** Response headers: a value, a pattern, or null for "absent". */
  readonly headers?: Record<string, string | RegExp | null>;
}

const BOOK = {
  name: "shelves/1/books/2",
  title: "Dune",
  author: { name: "Frank Herbert", email: "" },
  pages: "9007199254740993",
  tags: ["sf"],
  kind: "KIND_FICTION",
  publish_time: "1965-08-01T00:00:00Z",
  isbn: "978-0441013593",
  cover: "",
  available: false,
  rating: 0,
  labels: {},
};

// gwtest.v1 LegacyGetBook's option: deprecated 2023-06-30T23:59:59Z, sunset
// 2026-12-31T23:59:59Z, as RFC 9745 §2.1 (Structured Field Date) and RFC 8594
// §3 (HTTP-date) write them, with the guide as both link relations.
const DEPRECATION_HEADERS = {
  deprecation: "@1688169599",
  sunset: "Thu, 31 Dec 2026 23:59:59 GMT",
  link: '<https://example.com/guides/v1beta>; rel="deprecation", <https://example.com/guides/v1beta>; rel="sunset"',
};

const cases: Case[] = [
  // Path templates.
  {
    name: "int64 path variable in, int64 out as a string, response_body selects the field",
    method: "GET",
    path: "/v1/shelves/9007199254740993",
    status: 200,
    rpc: "GetShelf",
    request: { shelf_id: "9007199254740993" },
    body: { id: "9007199254740993", name: "shelves/9007199254740993", theme: "" },
  },
  {
    name: "multi-segment variable {name=shelves/*/books/*}; snake_case output, enums by name",
    method: "GET",
    path: "/v1/shelves/1/books/2",
    status: 200,
    rpc: "GetBook",
    request: { name: "shelves/1/books/2" },
    body: BOOK,
  },
  {
    name: "multi-segment variable keeps %2F encoded and decodes the rest",
    method: "GET",
    path: "/v1/shelves/a%2Fb/books/c%20d",
    status: 200,
    request: { name: "shelves/a%2Fb/books/c d" },
  },
  {
    name: "single-segment variable (additional binding) decodes %2F",
    method: "GET",
    path: "/v1/books/shelves%2F1%2Fbooks%2F2",
    status: 200,
    rpc: "GetBook",
    request: { name: "shelves/1/books/2" },
  },
  {
    name: "** takes the rest of the path",
    method: "GET",
    path: "/v1/files/docs/2024/report.txt",
    status: 200,
    rpc: "GetFile",
    request: { path: "docs/2024/report.txt" },
    body: { path: "docs/2024/report.txt", size: "42" },
  },
  {
    name: "custom verb :cancel with body *, camelCase and snake_case keys, int64 strings in",
    method: "POST",
    path: "/v1/shelves/1/books/2:cancel",
    json: { reason: "damaged", gracePeriod: "3600s", ticket_ids: ["7", 8] },
    status: 200,
    rpc: "CancelBook",
    request: {
      name: "shelves/1/books/2",
      reason: "damaged",
      grace_period: "3600s",
      ticket_ids: ["7", "8"],
    },
    body: { name: "shelves/1/books/2", effective_time: "1965-08-01T00:00:00Z" },
  },
  {
    name: "a ':' no route has as its verb is data in the last segment, as grpc-gateway reads it",
    method: "GET",
    path: "/v1/shelves/1/books/2:cancel",
    status: 200,
    rpc: "GetBook",
    request: { name: "shelves/1/books/2:cancel" },
  },
  {
    name: "a ':' in a single-segment variable is captured whole",
    method: "GET",
    path: "/v1/books/a:b",
    status: 200,
    rpc: "GetBook",
    request: { name: "a:b" },
  },
  {
    name: "an absolute-form target (RFC 9112 §3.2.2) is routed by its path",
    method: "GET",
    path: "http://api.example.com/v1/books/x?read_mask=title",
    status: 200,
    rpc: "GetBook",
    request: { name: "x", read_mask: "title" },
  },
  {
    name: "a verb for the wrong method: 405 listing the methods of both readings",
    method: "DELETE",
    path: "/v1/shelves/1/books/2:cancel",
    status: 405,
    rpc: null,
    error: { code: "METHOD_NOT_ALLOWED" },
    headers: { allow: "GET, HEAD, PATCH, POST, PUT" },
  },
  {
    name: "literal segment preferred over a wildcard",
    method: "GET",
    path: "/v1/shelves/featured/books",
    status: 200,
    rpc: "ListBooks",
    request: {},
    body: { books: [], next_page_token: "", has_more: false },
  },
  {
    name: "the wildcard binding still serves other shelves",
    method: "GET",
    path: "/v1/shelves/7/books",
    status: 200,
    rpc: "ListBooks",
    request: { parent: "shelves/7" },
  },
  // Bodies.
  {
    name: "body field fills one field; other fields from the query",
    method: "POST",
    path: "/v1/shelves/1/books?book_id=b1",
    json: { title: "Ubik", author: { name: "PKD" }, pages: "202", kind: "KIND_POETRY" },
    status: 200,
    rpc: "CreateBook",
    request: {
      parent: "shelves/1",
      book_id: "b1",
      book: { title: "Ubik", author: { name: "PKD" }, pages: "202", kind: "KIND_POETRY" },
    },
  },
  {
    name: "camelCase and snake_case accepted in the body; output in snake_case",
    method: "POST",
    path: "/v1/shelves/1/books?bookId=b2",
    json: { publishTime: "2001-02-03T04:05:06Z", print_run: 500, kind: 2 },
    status: 200,
    request: {
      parent: "shelves/1",
      book_id: "b2",
      book: { publish_time: "2001-02-03T04:05:06Z", print_run: 500, kind: "KIND_NONFICTION" },
    },
    body: {
      name: "shelves/1/books/b2",
      title: "",
      pages: "0",
      tags: [],
      kind: "KIND_NONFICTION",
      publish_time: "2001-02-03T04:05:06Z",
      print_run: 500,
      cover: "",
      available: false,
      rating: 0,
      labels: {},
    },
  },
  {
    name: "nested path field {book.name=…} with a body field and a FieldMask in the query",
    method: "PATCH",
    path: "/v1/shelves/1/books/2?update_mask=title,author.name",
    json: { title: "New", author: { name: "Ann" } },
    status: 200,
    rpc: "UpdateBook",
    request: {
      book: { name: "shelves/1/books/2", title: "New", author: { name: "Ann" } },
      update_mask: "title,author.name",
    },
  },
  {
    name: "FieldMask paths in the query also accepted as proto names (snake_case)",
    method: "PATCH",
    path: "/v1/shelves/1/books/2?update_mask=publish_time,author.name",
    json: { title: "New" },
    status: 200,
    rpc: "UpdateBook",
    request: {
      book: { name: "shelves/1/books/2", title: "New" },
      update_mask: "publishTime,author.name",
    },
  },
  {
    name: "additional binding PUT with body * merges the nested path field",
    method: "PUT",
    path: "/v1/shelves/1/books/2",
    json: { book: { title: "Whole" }, updateMask: "title" },
    status: 200,
    rpc: "UpdateBook",
    request: { book: { name: "shelves/1/books/2", title: "Whole" }, update_mask: "title" },
  },
  {
    name: "a body contradicting the path is rejected",
    method: "PATCH",
    path: "/v1/shelves/1/books/2",
    json: { name: "shelves/9/books/9" },
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      message: /differs from the URL path/,
      details: [{ field: "book.name", reason: expect.stringMatching(/differs/) }],
    },
  },
  {
    name: "an integer beyond ±(2^53−1) is refused, not rounded: int64 goes as a string",
    method: "POST",
    path: "/v1/shelves/1/books",
    send: {
      headers: { "content-type": "application/json" },
      body: '{"title": "T", "pages": 9007199254740993}',
    },
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      message: /the number 9007199254740993 .* send 64-bit integers as JSON strings/,
    },
  },
  {
    name: "bytes in a body that are not base64 are refused by field",
    method: "POST",
    path: "/v1/shelves/1/books",
    json: { title: "T", cover: "AA E=" },
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      details: [{ field: "book.cover", reason: expect.stringMatching(/base64/) }],
    },
  },
  {
    name: "a body on a method without one is rejected",
    method: "GET",
    path: "/v1/shelves/7",
    json: {},
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: "this method takes no request body" },
  },
  {
    name: "an unknown JSON field is rejected, not dropped",
    method: "POST",
    path: "/v1/shelves/1/books",
    json: { title: "T", colour: "red" },
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: /key "colour" is unknown/ },
  },
  {
    name: "malformed JSON",
    method: "POST",
    path: "/v1/shelves/1/books",
    send: { headers: { "content-type": "application/json" }, body: '{"title": ' },
    status: 400,
    rpc: null,
    error: { code: "MALFORMED_JSON", message: /^malformed JSON body: / },
  },
  {
    name: "a body that is not UTF-8",
    method: "POST",
    path: "/v1/shelves/1/books",
    send: {
      headers: { "content-type": "application/json" },
      body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
    },
    status: 400,
    error: { code: "MALFORMED_JSON" },
  },
  {
    name: "a body that is not application/json: 415",
    method: "POST",
    path: "/v1/shelves/1/books",
    send: { headers: { "content-type": "text/plain" }, body: "{}" },
    status: 415,
    rpc: null,
    error: { code: "UNSUPPORTED_MEDIA_TYPE" },
  },
  {
    name: "application/json with charset=UTF-8 is accepted",
    method: "POST",
    path: "/v1/shelves/1/books?book_id=b3",
    send: { headers: { "content-type": "application/json; charset=UTF-8" }, body: "{}" },
    status: 200,
    rpc: "CreateBook",
  },
  {
    name: "an oversized body by Content-Length: 413 before reading, connection closed",
    method: "POST",
    path: "/v1/shelves/1/books",
    json: { title: "x".repeat(MAX_BODY) },
    status: 413,
    rpc: null,
    error: { code: "PAYLOAD_TOO_LARGE" },
    headers: { connection: "close" },
  },
  {
    name: "an oversized chunked body: 413 once the count passes the limit",
    method: "POST",
    path: "/v1/shelves/1/books",
    send: {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(2 * MAX_BODY) }),
      chunked: true,
    },
    status: 413,
    rpc: null,
    error: { code: "PAYLOAD_TOO_LARGE" },
  },
  {
    name: "POST without a body for body * maps an empty message",
    method: "POST",
    path: "/v1/shelves/1/books/2:cancel",
    status: 200,
    request: { name: "shelves/1/books/2" },
  },
  // Query parameters.
  {
    name: "nested query a.b= and repeated x=1&x=2, enums by name and number",
    method: "GET",
    path: "/v1/shelves/1/books?filter.kind=KIND_FICTION&filter.author.name=Ann&filter.tags=a&filter.tags=b&kinds=1&kinds=KIND_POETRY",
    status: 200,
    request: {
      parent: "shelves/1",
      filter: { kind: "KIND_FICTION", author: { name: "Ann" }, tags: ["a", "b"] },
      kinds: ["KIND_FICTION", "KIND_POETRY"],
    },
  },
  {
    name: "Timestamp, FieldMask, Duration, wrappers, int64/uint64, bool, double, bytes in the query",
    method: "GET",
    path:
      "/v1/shelves/1/books?published_after=2024-01-02T03:04:05Z&read_mask=title,author.name" +
      "&min_pages=12&max_loan=1.5s&max_price_cents=18446744073709551615&available_only=true" +
      "&min_rating=4.5&cover_prefix=AAE%3D",
    status: 200,
    request: {
      parent: "shelves/1",
      published_after: "2024-01-02T03:04:05Z",
      read_mask: "title,author.name",
      min_pages: "12",
      max_loan: "1.500s",
      max_price_cents: "18446744073709551615",
      available_only: true,
      min_rating: 4.5,
      cover_prefix: "AAE=",
    },
  },
  {
    name: "booleans in the query take Go's strconv.ParseBool spellings",
    method: "GET",
    path: "/v1/shelves/1/books?available_only=T",
    status: 200,
    request: { parent: "shelves/1", available_only: true },
  },
  {
    name: "a boolean in any other spelling is refused",
    method: "GET",
    path: "/v1/shelves/1/books?available_only=yes",
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      details: [{ field: "available_only", reason: expect.stringMatching(/"yes"/) }],
    },
  },
  {
    name: "an unencoded '+' in bytes (read as a space) is refused, not decoded to other bytes",
    method: "GET",
    path: "/v1/shelves/1/books?cover_prefix=a+b",
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      details: [{ field: "cover_prefix", reason: expect.stringMatching(/%2B/) }],
    },
  },
  {
    name: "query names in lowerCamel JSON form",
    method: "GET",
    path: "/v1/shelves/1/books?pageSize=25&pageToken=abc&orderBy=title",
    status: 200,
    request: { parent: "shelves/1", page_size: 25, page_token: "abc", order_by: "title" },
  },
  {
    name: "an unknown query parameter is rejected by name",
    method: "GET",
    path: "/v1/shelves/1/books?colour=red",
    status: 400,
    rpc: null,
    error: {
      code: "INVALID_ARGUMENT",
      message: 'unknown query parameter "colour"',
      details: [{ field: "colour", reason: 'unknown query parameter "colour"' }],
    },
  },
  {
    name: "a query parameter for a path-bound field is rejected",
    method: "GET",
    path: "/v1/shelves/1/books/2?name=other",
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: /the URL path sets it/ },
  },
  {
    name: "a query parameter on a body * route is rejected",
    method: "POST",
    path: "/v1/shelves/1/books/2:cancel?reason=late",
    json: {},
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: /the body sets every field/ },
  },
  {
    name: "two members of one oneof in the query are rejected",
    method: "GET",
    path: "/v1/shelves/1/books?order_by=title&shuffle=true",
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: /oneof "order"/ },
  },
  {
    name: "a query value of the wrong type names the field",
    method: "GET",
    path: "/v1/shelves/1/books?page_size=ten",
    status: 400,
    error: {
      code: "INVALID_ARGUMENT",
      details: [{ field: "page_size", reason: expect.any(String) }],
    },
  },
  // Methods and routing errors.
  {
    name: "explicit HEAD binding: headers only",
    method: "HEAD",
    path: "/v1/shelves/1/books/2",
    status: 200,
    rpc: "HeadBook",
    headers: { "content-type": "application/json", "content-length": /^[1-9]\d*$/ },
  },
  {
    name: "HEAD falls back to the GET binding",
    method: "HEAD",
    path: "/v1/shelves/7",
    status: 200,
    rpc: "GetShelf",
    request: { shelf_id: "7" },
  },
  {
    name: "unknown route: 404 NOT_FOUND",
    method: "GET",
    path: "/v2/shelves",
    status: 404,
    rpc: null,
    error: { code: "NOT_FOUND", message: "no route for GET /v2/shelves" },
  },
  {
    name: "trailing slash: 404",
    method: "GET",
    path: "/v1/shelves/7/",
    status: 404,
    error: { code: "NOT_FOUND" },
  },
  {
    name: "wrong method: 405 with Allow",
    method: "DELETE",
    path: "/v1/shelves/1/books/2",
    status: 405,
    rpc: null,
    error: { code: "METHOD_NOT_ALLOWED" },
    headers: { allow: "GET, HEAD, PATCH, PUT" },
  },
  {
    name: "invalid percent-encoding: 400",
    method: "GET",
    path: "/v1/books/%E0%A4%A",
    status: 400,
    rpc: null,
    error: { code: "INVALID_ARGUMENT", message: /percent-encoding/ },
  },
  // Upstream errors.
  {
    name: "error envelope with ErrorInfo reason, field details and the request id",
    method: "GET",
    path: "/v1/shelves/1/books/invalid",
    send: { headers: { "x-request-id": "req-42" } },
    status: 400,
    error: {
      code: "VALIDATION_FAILED",
      message: "invalid request",
      details: [{ field: "name", reason: "must be a book name" }],
    },
    headers: { "x-request-id": "req-42" },
  },
  {
    name: "INTERNAL: message masked",
    method: "GET",
    path: "/v1/shelves/1/books/internal",
    status: 500,
    rpc: "GetBook",
    error: { code: "INTERNAL", message: "internal error", details: [] },
  },
  {
    name: "a non-Connect throw: 500 INTERNAL, nothing leaked",
    method: "GET",
    path: "/v1/shelves/1/books/crash",
    status: 500,
    error: { code: "INTERNAL", message: "internal error" },
  },
  {
    name: "UNAVAILABLE: 503, the cause not named",
    method: "GET",
    path: "/v1/shelves/1/books/unavailable",
    status: 503,
    error: { code: "UNAVAILABLE", message: "the service is unavailable; retry later" },
  },
  {
    name: "DEADLINE_EXCEEDED: 504",
    method: "GET",
    path: "/v1/shelves/1/books/deadline",
    status: 504,
    error: { code: "DEADLINE_EXCEEDED" },
  },
  {
    name: "ALREADY_EXISTS: 409",
    method: "GET",
    path: "/v1/shelves/1/books/exists",
    status: 409,
    error: { code: "ALREADY_EXISTS" },
  },
  // Headers.
  {
    name: "a well-formed X-Request-ID is kept and propagated",
    method: "GET",
    path: "/v1/shelves/7",
    send: { headers: { "x-request-id": "abc-123.DEF:9" } },
    status: 200,
    headers: { "x-request-id": "abc-123.DEF:9" },
  },
  {
    name: "a malformed X-Request-ID is replaced",
    method: "GET",
    path: "/v1/shelves/7",
    send: { headers: { "x-request-id": "not ok; <script>" } },
    status: 200,
    headers: { "x-request-id": UUID },
  },
  {
    name: "deprecated RPC (platform.v1.deprecation): Deprecation, Sunset and Link headers",
    method: "GET",
    path: "/v1beta/shelves/1/books/2",
    status: 200,
    rpc: "LegacyGetBook",
    body: BOOK,
    headers: DEPRECATION_HEADERS,
  },
  {
    name: "deprecated RPC: the same headers on its errors",
    method: "GET",
    path: "/v1beta/shelves/1/books/unavailable",
    status: 503,
    error: { code: "UNAVAILABLE" },
    headers: DEPRECATION_HEADERS,
  },
  {
    name: "non-deprecated GET: no Deprecation, no Cache-Control",
    method: "GET",
    path: "/v1/shelves/1/books/2",
    status: 200,
    headers: {
      deprecation: null,
      sunset: null,
      link: null,
      "cache-control": null,
      "content-type": "application/json",
    },
  },
  {
    name: "non-GET success: Cache-Control no-store",
    method: "POST",
    path: "/v1/shelves/1/books/2:cancel",
    json: {},
    status: 200,
    headers: { "cache-control": "no-store" },
  },
];

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ maxBodyBytes: MAX_BODY, requestTimeoutMs: TIMEOUT_MS });
});

afterAll(async () => {
  await gateway.close();
});

async function run(c: Case): Promise<{ res: TestResponse; call: RecordedCall | undefined }> {
  const before = gateway.calls.length;
  const options: SendOptions =
    c.json === undefined
      ? (c.send ?? {})
      : {
          ...c.send,
          headers: { "content-type": "application/json", ...c.send?.headers },
          body: JSON.stringify(c.json),
        };
  const res = await gateway.send(c.method, c.path, options);
  return { res, call: gateway.calls[before] };
}

describe("gateway conformance", () => {
  it("has a table of at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("$name", async (c) => {
    const { res, call } = await run(c);
    expect(res.status, res.text).toBe(c.status);
    const requestId = res.headers["x-request-id"];
    expect(requestId).toEqual(expect.any(String));
    if (c.rpc === null) expect(call).toBeUndefined();
    else if (c.rpc !== undefined) expect(call?.rpc).toBe(c.rpc);
    if (c.request !== undefined) expect(call?.request).toEqual(c.request);
    if (c.method === "HEAD") expect(res.text).toBe("");
    if (c.body !== undefined) expect(JSON.parse(res.text)).toEqual(c.body);
    if (c.error !== undefined) expectEnvelope(res, c.error, requestId as string);
    for (const [name, want] of Object.entries(c.headers ?? {})) {
      if (want === null) expect(res.headers[name], name).toBeUndefined();
      else if (want instanceof RegExp) expect(res.headers[name], name).toMatch(want);
      else expect(res.headers[name], name).toBe(want);
    }
  });
});

function expectEnvelope(res: TestResponse, want: NonNullable<Case["error"]>, requestId: string) {
  expect(res.headers["content-type"]).toBe("application/json");
  expect(res.headers["cache-control"]).toBe("no-store");
  const body = JSON.parse(res.text);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "details", "message", "request_id"]);
  expect(body.error.code).toBe(want.code);
  expect(body.error.request_id).toBe(requestId);
  if (typeof want.message === "string") expect(body.error.message).toBe(want.message);
  else if (want.message !== undefined) expect(body.error.message).toMatch(want.message);
  if (want.details !== undefined) expect(body.error.details).toEqual(want.details);
  // Server faults never leak upstream internals.
  if (res.status >= 500) expect(res.text).not.toMatch(/pq:|10\.0\.0\.7|\/srv\/|secret|stack/);
}

describe("gateway conformance: what the upstream call receives", () => {
  it("gets the request id, the client's authorization and the deadline", async () => {
    const { call } = await run({
      name: "",
      method: "GET",
      path: "/v1/shelves/7",
      send: { headers: { "x-request-id": "req-7", authorization: "Bearer t0k3n", cookie: "a=b" } },
      status: 200,
    });
    expect(call?.headers).toEqual({ "x-request-id": "req-7", authorization: "Bearer t0k3n" });
    expect(call?.timeoutMs).toBe(TIMEOUT_MS);
  });

  it("gets a generated request id equal to the one the client sees", async () => {
    const { res, call } = await run({
      name: "",
      method: "GET",
      path: "/v1/shelves/7",
      status: 200,
    });
    expect(res.headers["x-request-id"]).toMatch(UUID);
    expect(call?.headers["x-request-id"]).toBe(res.headers["x-request-id"]);
  });
});

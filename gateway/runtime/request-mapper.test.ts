import { type DescMessage, type JsonValue, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { LibraryService } from "../../gen/gwtest/v1/library_pb.js";
import { mapRequest } from "./request-mapper.js";
import { planRequest } from "./request-plan.js";
import type { RouteSpec } from "./route-spec.js";
import { libraryRoutes as r } from "./testing/library-routes.js";
import { testRoute } from "./testing/test-route.js";

/** map runs mapRequest and returns the request as ProtoJSON with proto names. */
function map(route: RouteSpec, params: Record<string, string>, query = "", body?: unknown) {
  const message = mapRequest(
    route,
    new Map(Object.entries(params)),
    new URLSearchParams(query),
    body,
  );
  return toJson(route.method.input as DescMessage, message as never, { useProtoFieldName: true });
}

function mapError(
  route: RouteSpec,
  params: Record<string, string>,
  query = "",
  body?: unknown,
): ConnectError {
  try {
    map(route, params, query, body);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    return err as ConnectError;
  }
  throw new Error("expected mapRequest to throw");
}

function violationFields(err: ConnectError): string[] {
  return err.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map((v) => v.field));
}

describe("mapRequest: path variables", () => {
  it("converts an int64 path variable", () => {
    expect(map(r.getShelf, { shelf_id: "9007199254740993" })).toEqual({
      shelf_id: "9007199254740993",
    });
  });

  it("creates nested messages for a nested field path", () => {
    expect(map(r.updateBook, { "book.name": "shelves/1/books/2" })).toEqual({
      book: { name: "shelves/1/books/2" },
    });
  });

  it("reports a path value of the wrong type, naming the field", () => {
    const err = mapError(r.getShelf, { shelf_id: "abc" });
    expect(err.rawMessage).toMatch(/^invalid path variable "shelf_id": /);
    expect(violationFields(err)).toEqual(["shelf_id"]);
  });
});

describe("mapRequest: query parameters", () => {
  const list = (query: string) => map(r.listBooks, { parent: "shelves/1" }, query);

  it("maps scalars, nested fields and repeated fields", () => {
    expect(
      list(
        "page_size=10&filter.kind=KIND_FICTION&filter.author.name=Ann&filter.tags=a&filter.tags=b",
      ),
    ).toEqual({
      parent: "shelves/1",
      page_size: 10,
      filter: { kind: "KIND_FICTION", author: { name: "Ann" }, tags: ["a", "b"] },
    });
  });

  it("accepts JSON names as well as proto names, at every level", () => {
    expect(list("pageSize=3&pageToken=t&filter.author.email=a%40b.c")).toEqual({
      parent: "shelves/1",
      page_size: 3,
      page_token: "t",
      filter: { author: { email: "a@b.c" } },
    });
  });

  it("takes enums by name or number", () => {
    expect(list("kinds=1&kinds=KIND_POETRY")).toEqual({
      parent: "shelves/1",
      kinds: ["KIND_FICTION", "KIND_POETRY"],
    });
  });

  it("parses well-known types and wrappers from their ProtoJSON strings", () => {
    const q =
      "published_after=2024-01-02T03:04:05Z&read_mask=title,author.name&min_pages=12" +
      "&max_loan=1.5s&max_price_cents=18446744073709551615&available_only=true" +
      "&min_rating=4.5&cover_prefix=AAE%3D&shuffle=false";
    expect(list(q)).toEqual({
      parent: "shelves/1",
      published_after: "2024-01-02T03:04:05Z",
      read_mask: "title,author.name",
      min_pages: "12",
      max_loan: "1.500s",
      max_price_cents: "18446744073709551615",
      available_only: true,
      min_rating: 4.5,
      cover_prefix: "AAE=",
      shuffle: false,
    });
  });

  it.each([
    ["an unknown name", "colour=red", "colour"],
    ["an unknown nested name", "filter.colour=red", "filter.colour"],
    ["a field inside a scalar", "page_size.x=1", "page_size.x"],
    ["a field inside a Timestamp", "published_after.seconds=1", "published_after.seconds"],
  ])("rejects %s, naming it", (_, query, field) => {
    const err = mapError(r.listBooks, {}, query);
    expect(err.rawMessage).toBe(`unknown query parameter "${field}"`);
    expect(violationFields(err)).toEqual([field]);
  });

  it.each([
    ["a bad number", "page_size=ten", /page_size/],
    ["a bad boolean", "available_only=yes", /available_only/],
    ["an unknown enum name", "kinds=KIND_COMIC", /KIND_COMIC/],
    ["a bad timestamp", "published_after=yesterday", /published_after/],
    ["a singular field given twice", "page_size=1&pageSize=2", /given 2 times/],
    ["a message field", "filter=x", /is a message/],
    ["two members of one oneof", "order_by=title&shuffle=true", /oneof "order"/],
  ])("rejects %s", (_, query, message) => {
    expect(mapError(r.listBooks, {}, query).rawMessage).toMatch(message);
  });

  it("names the parameter as sent in its error", () => {
    expect(mapError(r.listBooks, {}, "pageSize=ten").rawMessage).toMatch(
      /^invalid query parameter "pageSize": .*"ten"/,
    );
  });

  it("rejects a field the path binds", () => {
    const err = mapError(r.getBook, { name: "shelves/1/books/2" }, "name=x");
    expect(err.rawMessage).toMatch(/the URL path sets it/);
    expect(violationFields(err)).toEqual(["name"]);
  });

  it("rejects every field when the body is *, and the body field otherwise", () => {
    expect(mapError(r.cancelBook, { name: "n" }, "reason=x").rawMessage).toMatch(/body sets every/);
    expect(mapError(r.createBook, {}, "book.title=x").rawMessage).toMatch(/"book" is the body/);
  });

  it("still maps fields next to a field body", () => {
    expect(map(r.createBook, { parent: "shelves/1" }, "book_id=b1", { title: "T" })).toEqual({
      parent: "shelves/1",
      book_id: "b1",
      book: { title: "T" },
    });
  });

  it("takes bytes in standard or URL-safe base64, and refuses anything else by name", () => {
    expect(map(r.listBooks, {}, "cover_prefix=%2B%2F8%3D")).toEqual({ cover_prefix: "+/8=" });
    expect(map(r.listBooks, {}, "cover_prefix=-_8")).toEqual({ cover_prefix: "+/8=" });
    // An unencoded "+" arrives as a space, which the decoder would skip.
    for (const query of ["cover_prefix=a+b", "cover_prefix=a%0Ab", "coverPrefix=a!"]) {
      const err = mapError(r.listBooks, {}, query);
      expect(err.rawMessage).toMatch(/^invalid query parameter "cover_?[pP]refix": bytes must be/);
      expect(violationFields(err)).toEqual(["cover_prefix"]);
    }
  });

  it("rejects a map field", () => {
    const route = testRoute("GET", "/b", LibraryService.method.updateBook);
    expect(mapError(route, {}, "book.labels=x").rawMessage).toMatch(/is a map/);
  });
});

describe("mapRequest: body", () => {
  it('fills the whole request with body "*", merged with the path', () => {
    const body = { reason: "damaged", gracePeriod: "60s", ticket_ids: ["1", 2] };
    expect(map(r.cancelBook, { name: "shelves/1/books/2" }, "", body)).toEqual({
      name: "shelves/1/books/2",
      reason: "damaged",
      grace_period: "60s",
      ticket_ids: ["1", "2"],
    });
  });

  it("fills one field with a field body, taking camelCase and snake_case", () => {
    const body = { title: "T", publishTime: "2020-01-01T00:00:00Z", print_run: 500, kind: 2 };
    expect(map(r.updateBook, { "book.name": "shelves/1/books/2" }, "", body)).toEqual({
      book: {
        name: "shelves/1/books/2",
        title: "T",
        publish_time: "2020-01-01T00:00:00Z",
        print_run: 500,
        kind: "KIND_NONFICTION",
      },
    });
  });

  it("accepts a body repeating the path value, or leaving it empty", () => {
    const params = { "book.name": "shelves/1/books/2" };
    expect(map(r.updateBook, params, "", { name: "shelves/1/books/2" })).toEqual({
      book: { name: "shelves/1/books/2" },
    });
    expect(map(r.updateBook, params, "", { name: "" })).toEqual({
      book: { name: "shelves/1/books/2" },
    });
  });

  it("rejects a body that contradicts the path", () => {
    const err = mapError(r.replaceBook, { "book.name": "shelves/1/books/2" }, "", {
      book: { name: "shelves/9/books/9" },
    });
    expect(err.rawMessage).toMatch(/book.name.*differs from the URL path/);
    expect(violationFields(err)).toEqual(["book.name"]);
  });

  it.each([
    ["an unknown field", { title: "T", colour: "red" }, /key "colour" is unknown/],
    ["an unknown enum name", { kind: "KIND_COMIC" }, /KIND_COMIC/],
    ["a wrong type", { pages: "many" }, /pages/],
    ["both oneof members", { isbn: "1", print_run: 2 }, /oneof/],
  ])("rejects %s", (_, body, message) => {
    const err = mapError(r.updateBook, {}, "", body);
    expect(err.rawMessage).toMatch(/^invalid request body: /);
    expect(err.rawMessage).toMatch(message);
  });

  it("refuses bytes in a body that are not base64, naming the field", () => {
    const path = { "book.name": "shelves/1/books/2" };
    for (const cover of ["a b", "YQ==\n", "a+b!", "%41"]) {
      const err = mapError(r.replaceBook, path, "", { book: { cover } });
      expect(err.rawMessage).toBe(
        'invalid request body: field "book.cover": bytes must be standard or URL-safe base64' +
          ' (A-Z a-z 0-9 + / - _ =); in a URL, send "+" as %2B',
      );
      expect(violationFields(err)).toEqual(["book.cover"]);
    }
    const err = mapError(r.updateBook, path, "", { cover: "a b" });
    expect(violationFields(err)).toEqual(["book.cover"]);
    expect(map(r.replaceBook, path, "", { book: { cover: "+/8=" } })).toEqual({
      book: { name: "shelves/1/books/2", cover: "+/8=" },
    });
  });

  it("rejects a body that is not an object for body *", () => {
    expect(mapError(r.cancelBook, {}, "", [1]).rawMessage).toMatch(/invalid request body/);
    expect(mapError(r.cancelBook, {}, "", null).rawMessage).toMatch(/invalid request body/);
  });

  it("rejects any body for a method without one", () => {
    expect(mapError(r.getShelf, { shelf_id: "1" }, "", {}).rawMessage).toBe(
      "this method takes no request body",
    );
  });

  it("treats a missing body as an empty message", () => {
    expect(map(r.cancelBook, { name: "n" })).toEqual({ name: "n" });
  });

  it("rejects a query member of a oneof the body already set", () => {
    const route = testRoute("POST", "/b", LibraryService.method.listBooks, { body: "order_by" });
    expect(mapError(route, {}, "shuffle=true", "title" as JsonValue).rawMessage).toMatch(
      /conflicts with "order_by"/,
    );
  });
});

describe("planRequest", () => {
  const m = LibraryService.method;

  it.each([
    ["an unknown path field", testRoute("GET", "/{nope}", m.getBook), /no field "nope"/],
    ["a repeated path field", testRoute("GET", "/{kinds}", m.listBooks), /is repeated/],
    ["a message path field", testRoute("GET", "/{filter}", m.listBooks), /is a message/],
    ["an unknown body field", testRoute("POST", "/b", m.getBook, { body: "x" }), /body field "x"/],
  ])("refuses %s at startup", (_, route, message) => {
    expect(() => planRequest(route)).toThrow(message);
  });

  it("accepts a string-form well-known type in the path", () => {
    const route = testRoute("GET", "/after/{published_after}", m.listBooks);
    expect(map(route, { published_after: "2024-01-01T00:00:00Z" })).toEqual({
      published_after: "2024-01-01T00:00:00Z",
    });
  });
});

import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  CancelBookResponseSchema,
  GetBookResponseSchema,
  Kind,
  LibraryService,
  ListBooksResponseSchema,
} from "../../gen/gwtest/v1/library_pb.js";
import { planResponse, responseJson } from "./response-writer.js";
import { libraryRoutes as r } from "./testing/library-routes.js";
import { testRoute } from "./testing/test-route.js";

describe("responseJson", () => {
  it("writes proto names, int64 as strings, enums as names, and every implicit field", () => {
    const message = create(ListBooksResponseSchema, {
      books: [
        {
          name: "shelves/1/books/2",
          pages: 1234567890123n,
          kind: Kind.POETRY,
          edition: { case: "printRun", value: 7 },
        },
      ],
    });
    expect(JSON.parse(responseJson(r.listBooks, message))).toEqual({
      books: [
        {
          name: "shelves/1/books/2",
          title: "",
          pages: "1234567890123",
          tags: [],
          kind: "KIND_POETRY",
          print_run: 7,
          cover: "",
          available: false,
          rating: 0,
          labels: {},
        },
      ],
      next_page_token: "",
      has_more: false,
    });
  });

  it("writes well-known types in their ProtoJSON forms", () => {
    const effectiveTime = timestampFromDate(new Date("2024-05-06T07:08:09.5Z"));
    const message = create(CancelBookResponseSchema, { name: "n", effectiveTime });
    expect(JSON.parse(responseJson(r.cancelBook, message))).toEqual({
      name: "n",
      effective_time: "2024-05-06T07:08:09.500Z",
    });
  });

  it("writes only the response_body field", () => {
    const message = create(GetBookResponseSchema, { book: { name: "b", title: "T" } });
    expect(JSON.parse(responseJson(r.getBook, message))).toMatchObject({ name: "b", title: "T" });
  });

  it("writes null for an unset response_body message", () => {
    expect(responseJson(r.getBook, create(GetBookResponseSchema))).toBe("null");
  });

  it("refuses an unknown response_body field at startup", () => {
    const route = testRoute("GET", "/x", LibraryService.method.getBook, { responseBody: "nope" });
    expect(() => planResponse(route)).toThrow(/response_body "nope"/);
  });
});

import { LibraryService } from "../../../gen/gwtest/v1/library_pb.js";
import type { RouteSpec } from "../route-spec.js";
import { testRoute } from "./test-route.js";

const rpc = LibraryService.method;

/**
 * libraryRoutes is the test route table for gwtest.v1.LibraryService, as
 * gateway/codegen would compile it from google.api.http annotations like
 * these (the proto itself stays unannotated, see library.proto):
 *
 *     GetShelf:   get: "/v1/shelves/{shelf_id}"  response_body: "shelf"
 *     GetBook:    get: "/v1/{name=shelves/*\/books/*}"  response_body: "book"
 *                 additional_bindings { get: "/v1/books/{name}" }
 *     HeadBook:   custom { kind: "HEAD" path: "/v1/{name=shelves/*\/books/*}" }
 *     ListBooks:  get: "/v1/{parent=shelves/*}/books"
 *                 additional_bindings { get: "/v1/shelves/featured/books" }
 *     CreateBook: post: "/v1/{parent=shelves/*}/books"  body: "book"  response_body: "book"
 *     UpdateBook: patch: "/v1/{book.name=shelves/*\/books/*}"  body: "book"
 *                 additional_bindings { put: "/v1/{book.name=shelves/*\/books/*}"  body: "*" }
 *     CancelBook: post: "/v1/{name=shelves/*\/books/*}:cancel"  body: "*"
 *     GetFile:    get: "/v1/files/{path=**}"
 *     LegacyGetBook: get: "/v1beta/{name=shelves/*\/books/*}"  response_body: "book"  (deprecated)
 */
export const libraryRoutes = {
  getShelf: testRoute("GET", "/v1/shelves/{shelf_id}", rpc.getShelf, { responseBody: "shelf" }),
  getBook: testRoute("GET", "/v1/{name=shelves/*/books/*}", rpc.getBook, { responseBody: "book" }),
  getBookByName: testRoute("GET", "/v1/books/{name}", rpc.getBook, { responseBody: "book" }),
  getBookBeta: testRoute("GET", "/v1beta/{name=shelves/*/books/*}", rpc.legacyGetBook, {
    responseBody: "book",
  }),
  headBook: testRoute("HEAD", "/v1/{name=shelves/*/books/*}", rpc.headBook),
  listBooks: testRoute("GET", "/v1/{parent=shelves/*}/books", rpc.listBooks),
  listFeatured: testRoute("GET", "/v1/shelves/featured/books", rpc.listBooks),
  createBook: testRoute("POST", "/v1/{parent=shelves/*}/books", rpc.createBook, {
    body: "book",
    responseBody: "book",
  }),
  updateBook: testRoute("PATCH", "/v1/{book.name=shelves/*/books/*}", rpc.updateBook, {
    body: "book",
  }),
  replaceBook: testRoute("PUT", "/v1/{book.name=shelves/*/books/*}", rpc.updateBook, {
    body: "*",
  }),
  cancelBook: testRoute("POST", "/v1/{name=shelves/*/books/*}:cancel", rpc.cancelBook, {
    body: "*",
  }),
  getFile: testRoute("GET", "/v1/files/{path=**}", rpc.getFile),
} satisfies Record<string, RouteSpec>;

/** allLibraryRoutes lists every binding, in declaration order. */
export const allLibraryRoutes: readonly RouteSpec[] = Object.values(libraryRoutes);

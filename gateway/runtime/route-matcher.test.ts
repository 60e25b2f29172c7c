import { ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { LibraryService } from "../../gen/gwtest/v1/library_pb.js";
import { createRouteMatcher, type RouteMatch } from "./route-matcher.js";
import type { RouteSpec } from "./route-spec.js";
import { allLibraryRoutes, libraryRoutes as r } from "./testing/library-routes.js";
import { testRoute } from "./testing/test-route.js";

const matcher = createRouteMatcher(allLibraryRoutes);

function routeOf(m: RouteMatch): RouteSpec | undefined {
  return "route" in m ? m.route : undefined;
}

function paramsOf(m: RouteMatch): Record<string, string> {
  return "route" in m ? Object.fromEntries(m.params) : {};
}

describe("createRouteMatcher", () => {
  it("matches literals and a single-segment variable", () => {
    const m = matcher.match("GET", "/v1/shelves/42");
    expect(routeOf(m)).toBe(r.getShelf);
    expect(paramsOf(m)).toEqual({ shelf_id: "42" });
  });

  it("binds a multi-segment variable to the segments it spans", () => {
    const m = matcher.match("GET", "/v1/shelves/1/books/2");
    expect(routeOf(m)).toBe(r.getBook);
    expect(paramsOf(m)).toEqual({ name: "shelves/1/books/2" });
  });

  it("keys nested path fields by their dotted field path", () => {
    const m = matcher.match("PATCH", "/v1/shelves/1/books/2");
    expect(routeOf(m)).toBe(r.updateBook);
    expect(paramsOf(m)).toEqual({ "book.name": "shelves/1/books/2" });
  });

  it("lets ** take the rest of the path, including zero segments", () => {
    expect(paramsOf(matcher.match("GET", "/v1/files/a/b/c.txt"))).toEqual({ path: "a/b/c.txt" });
    expect(paramsOf(matcher.match("GET", "/v1/files"))).toEqual({ path: "" });
  });

  it("prefers a literal segment over a wildcard", () => {
    expect(routeOf(matcher.match("GET", "/v1/shelves/featured/books"))).toBe(r.listFeatured);
    expect(routeOf(matcher.match("GET", "/v1/shelves/other/books"))).toBe(r.listBooks);
  });

  it("ranks literal > * > ** segment by segment", () => {
    const m = LibraryService.method.getFile;
    const deep = testRoute("GET", "/x/{path=**}", m);
    const star = testRoute("GET", "/x/{path=*}/y", m);
    const lit = testRoute("GET", "/x/a/{path=*}", m);
    const table = createRouteMatcher([deep, star, lit]);
    expect(routeOf(table.match("GET", "/x/a/y"))).toBe(lit);
    expect(routeOf(table.match("GET", "/x/b/y"))).toBe(star);
    expect(routeOf(table.match("GET", "/x/b/z"))).toBe(deep);
  });

  it("splits a custom verb off the last segment", () => {
    const m = matcher.match("POST", "/v1/shelves/1/books/2:cancel");
    expect(routeOf(m)).toBe(r.cancelBook);
    expect(paramsOf(m)).toEqual({ name: "shelves/1/books/2" });
  });

  it("reads a ':' as data when no route has that verb, as grpc-gateway does", () => {
    expect(paramsOf(matcher.match("GET", "/v1/books/a:b"))).toEqual({ name: "a:b" });
    expect(paramsOf(matcher.match("GET", "/v1/books/a:b:c"))).toEqual({ name: "a:b:c" });
    expect(paramsOf(matcher.match("GET", "/v1/books/a:"))).toEqual({ name: "a:" });
    const m = matcher.match("GET", "/v1/shelves/1/books/2:cancel");
    expect(routeOf(m)).toBe(r.getBook);
    expect(paramsOf(m)).toEqual({ name: "shelves/1/books/2:cancel" });
    expect(matcher.match("POST", "/v1/shelves/1/books/2:archive")).toEqual({
      methodNotAllowed: ["GET", "HEAD", "PATCH", "PUT"],
    });
    expect(matcher.match("POST", "/v1/shelves/1:cancel")).toEqual({
      methodNotAllowed: ["GET", "HEAD"],
    });
  });

  it("prefers the verb reading, and lists the methods of both readings", () => {
    const m = LibraryService.method.getFile;
    const plain = testRoute("GET", "/x/{path}", m);
    const verb = testRoute("POST", "/x/{path}:run", m);
    const table = createRouteMatcher([plain, verb]);
    expect(paramsOf(table.match("POST", "/x/a:run"))).toEqual({ path: "a" });
    expect(routeOf(table.match("POST", "/x/a:run"))).toBe(verb);
    expect(paramsOf(table.match("GET", "/x/a:run"))).toEqual({ path: "a:run" });
    expect(table.match("PUT", "/x/a:run")).toEqual({ methodNotAllowed: ["GET", "HEAD", "POST"] });
  });

  it("reads %3A in the last segment as data, not a verb", () => {
    expect(paramsOf(matcher.match("GET", "/v1/books/a%3Ab"))).toEqual({ name: "a:b" });
  });

  it("fully decodes a single-segment variable, %2F included", () => {
    const m = matcher.match("GET", "/v1/books/shelves%2F1%2Fbooks%2F2%20x");
    expect(routeOf(m)).toBe(r.getBookByName);
    expect(paramsOf(m)).toEqual({ name: "shelves/1/books/2 x" });
  });

  it("decodes a multi-segment variable except %2F, as sent", () => {
    const m = matcher.match("GET", "/v1/shelves/a%2Fb/books/c%2fd%20%C3%A9");
    expect(paramsOf(m)).toEqual({ name: "shelves/a%2Fb/books/c%2fd é" });
    expect(paramsOf(matcher.match("GET", "/v1/files/x%2Fy/z"))).toEqual({ path: "x%2Fy/z" });
  });

  it("compares percent-encoded literals decoded", () => {
    expect(routeOf(matcher.match("GET", "/v1/sh%65lves/7"))).toBe(r.getShelf);
  });

  it("rejects invalid percent-encoding with INVALID_ARGUMENT", () => {
    for (const path of ["/v1/books/%zz", "/v1/books/%E0%A4%A", "/v1/books/%"]) {
      expect(() => matcher.match("GET", path)).toThrow(ConnectError);
      expect(() => matcher.match("GET", path)).toThrow(/percent-encoding/);
    }
  });

  it("does not match a trailing slash or an empty segment", () => {
    expect(matcher.match("GET", "/v1/shelves/7/")).toEqual({ notFound: true });
    expect(matcher.match("GET", "/v1//books")).toEqual({ notFound: true });
    expect(matcher.match("GET", "/v1/files/a/")).toEqual({ notFound: true });
  });

  it("matches a trailing slash when the template spells it out", () => {
    const slash = testRoute("GET", "/v1/things/", LibraryService.method.getFile);
    expect(routeOf(createRouteMatcher([slash]).match("GET", "/v1/things/"))).toBe(slash);
  });

  it("answers HEAD from GET routes unless HEAD is bound explicitly", () => {
    expect(routeOf(matcher.match("HEAD", "/v1/shelves/7"))).toBe(r.getShelf);
    expect(routeOf(matcher.match("HEAD", "/v1/shelves/1/books/2"))).toBe(r.headBook);
  });

  it("lists the allowed methods, HEAD with GET, for a path bound under others", () => {
    expect(matcher.match("DELETE", "/v1/shelves/1/books/2")).toEqual({
      methodNotAllowed: ["GET", "HEAD", "PATCH", "PUT"],
    });
    expect(matcher.match("POST", "/v1/shelves/7")).toEqual({ methodNotAllowed: ["GET", "HEAD"] });
  });

  it("returns notFound for unknown paths and non-absolute targets", () => {
    expect(matcher.match("GET", "/v2/shelves/7")).toEqual({ notFound: true });
    expect(matcher.match("OPTIONS", "*")).toEqual({ notFound: true });
  });

  it("refuses at build time a ** that is not last, and ambiguous bindings", () => {
    const m = LibraryService.method.getFile;
    expect(() => createRouteMatcher([testRoute("GET", "/a/**/b", m)])).toThrow(/last path segment/);
    const one = testRoute("GET", "/a/{path}", m);
    const two = testRoute("GET", "/a/{path=*}", m);
    expect(() => createRouteMatcher([one, two])).toThrow(/ambiguous/);
    // Same shape under another method or verb is fine.
    expect(() => createRouteMatcher([one, testRoute("GET", "/a/{path}:x", m)])).not.toThrow();
  });
});

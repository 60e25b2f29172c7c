import { describe, expect, it } from "vitest";
import { parsePathTemplate, templateShape } from "./path-template.js";

const lit = (value: string) => ({ kind: "literal", value }) as const;
const star = { kind: "wildcard" } as const;
const deep = { kind: "deep" } as const;

describe("parsePathTemplate", () => {
  it("compiles literal segments", () => {
    expect(parsePathTemplate("/v1/users")).toEqual({
      segments: [lit("v1"), lit("users")],
      verb: "",
      variables: [],
    });
  });

  it("reads {var} as {var=*}: one segment bound to the field", () => {
    expect(parsePathTemplate("/v1/users/{user_id}")).toEqual({
      segments: [lit("v1"), lit("users"), star],
      verb: "",
      variables: [{ fieldPath: ["user_id"], start: 2, end: 3, pattern: "*" }],
    });
  });

  it("splits a nested field path on dots", () => {
    const { variables } = parsePathTemplate("/v1/authors/{book.author.name}/books");
    expect(variables).toEqual([
      { fieldPath: ["book", "author", "name"], start: 2, end: 3, pattern: "*" },
    ]);
  });

  it("binds a variable to every segment of its pattern", () => {
    expect(parsePathTemplate("/v1/{name=shelves/*/books/*}")).toEqual({
      segments: [lit("v1"), lit("shelves"), star, lit("books"), star],
      verb: "",
      variables: [{ fieldPath: ["name"], start: 1, end: 5, pattern: "shelves/*/books/*" }],
    });
  });

  it("keeps several variables apart, each with its own span", () => {
    const { variables } = parsePathTemplate("/v1/{parent=shelves/*}/books/{book_id}");
    expect(variables).toEqual([
      { fieldPath: ["parent"], start: 1, end: 3, pattern: "shelves/*" },
      { fieldPath: ["book_id"], start: 4, end: 5, pattern: "*" },
    ]);
  });

  it("ends a variable that ends with ** at -1, the rest of the path", () => {
    expect(parsePathTemplate("/v1/files/{path=**}")).toEqual({
      segments: [lit("v1"), lit("files"), deep],
      verb: "",
      variables: [{ fieldPath: ["path"], start: 2, end: -1, pattern: "**" }],
    });
  });

  it("accepts unbound * and ** segments", () => {
    expect(parsePathTemplate("/v1/*/static/**").segments).toEqual([
      lit("v1"),
      star,
      lit("static"),
      deep,
    ]);
  });

  it("reads the custom verb after the last colon of the final segment", () => {
    expect(parsePathTemplate("/v1/{name=operations/*}:cancel")).toMatchObject({
      segments: [lit("v1"), lit("operations"), star],
      verb: "cancel",
    });
    expect(parsePathTemplate("/v1/jobs:run").verb).toBe("run");
  });

  it("takes a verb after ** as a verb, not as part of the rest", () => {
    expect(parsePathTemplate("/v1/{name=**}:undelete")).toMatchObject({
      segments: [lit("v1"), deep],
      verb: "undelete",
    });
  });

  it("keeps colons in earlier segments inside their literal", () => {
    expect(parsePathTemplate("/v1/loans:lookup/{number}")).toMatchObject({
      segments: [lit("v1"), lit("loans:lookup"), star],
      verb: "",
    });
  });

  it("does not read a colon inside a variable as a verb", () => {
    expect(parsePathTemplate("/v1/{name=projects/a:b}")).toMatchObject({
      segments: [lit("v1"), lit("projects"), lit("a:b")],
      verb: "",
    });
  });

  it("accepts RFC 3986 path characters and percent-escapes in literals", () => {
    expect(parsePathTemplate("/v1/a-b.c_d~e/%2Fx@y").segments).toEqual([
      lit("v1"),
      lit("a-b.c_d~e"),
      lit("%2Fx@y"),
    ]);
  });

  it.each([
    ["v1/users", 'invalid path template "v1/users" at offset 0: must start with "/"'],
    ["", 'invalid path template "" at offset 0: must start with "/"'],
    ["/", 'invalid path template "/" at offset 1: empty segment'],
    ["/v1//users", 'invalid path template "/v1//users" at offset 4: empty segment'],
    ["/v1/users/", 'invalid path template "/v1/users/" at offset 10: empty segment'],
    ["/v1/**/users", 'invalid path template "/v1/**/users": "**" must be the last segment'],
    ["/v1/{name=**}/x", 'invalid path template "/v1/{name=**}/x": "**" must be the last segment'],
    ["/v1/{a={b}}", 'invalid path template "/v1/{a={b}}" at offset 7: variables cannot be nested'],
    [
      "/v1/{name",
      'invalid path template "/v1/{name" at offset 4: variable {name} is not closed by "}"',
    ],
    [
      "/v1/{name=shelves/*",
      'invalid path template "/v1/{name=shelves/*" at offset 4: variable {name} is not closed by "}"',
    ],
    ["/v1/}", 'invalid path template "/v1/}" at offset 4: unexpected "}"'],
    ["/v1/{}", 'invalid path template "/v1/{}" at offset 5: invalid field path "" in variable'],
    [
      "/v1/{1st}",
      'invalid path template "/v1/{1st}" at offset 5: invalid field path "1st" in variable',
    ],
    [
      "/v1/{a..b}",
      'invalid path template "/v1/{a..b}" at offset 5: invalid field path "a..b" in variable',
    ],
    ["/v1/{name=}", 'invalid path template "/v1/{name=}" at offset 10: empty segment'],
    ["/v1/users:", 'invalid path template "/v1/users:" at offset 9: invalid custom verb ""'],
    ["/v1/a*", 'invalid path template "/v1/a*" at offset 4: invalid literal "a*"'],
    ["/v1/a b", 'invalid path template "/v1/a b" at offset 4: invalid literal "a b"'],
    ["/v1/{id}/{id}", 'invalid path template "/v1/{id}/{id}": field id is bound twice'],
  ])("rejects %j", (template, message) => {
    expect(() => parsePathTemplate(template)).toThrow(message);
  });
});

describe("templateShape", () => {
  it("is equal for templates that match the same paths, whatever fields they bind", () => {
    const shape = (t: string) => templateShape(parsePathTemplate(t));
    expect(shape("/v1/books/{name}")).toBe(shape("/v1/books/{book.name}"));
    expect(shape("/v1/{name=books/*}")).toBe(shape("/v1/books/*"));
  });

  it("tells apart wildcard kinds, literals and verbs", () => {
    const shape = (t: string) => templateShape(parsePathTemplate(t));
    expect(shape("/v1/books/{name}")).not.toBe(shape("/v1/books/{name=**}"));
    expect(shape("/v1/books/{name}")).not.toBe(shape("/v1/books/{name}:read"));
    expect(shape("/v1/books/x")).not.toBe(shape("/v1/books/{name}"));
  });
});

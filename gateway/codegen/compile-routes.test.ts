import { describe, expect, it } from "vitest";
import { generateCases } from "./testing/generate-cases.js";

/** Each case is one proto file, package bad.<name>, with the RPCs of service S over shared messages. */
const cases: Record<string, string> = {
  message_leaf: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{book}"}; }`,
  repeated_leaf: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{tags}"}; }`,
  map_leaf: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{labels}"}; }`,
  through_scalar: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{name.id}"}; }`,
  unknown_path_field: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{book.title}"}; }`,
  unknown_body: `rpc Add(Request) returns (Response) { option (google.api.http) = {post: "/v1/books" body: "page"}; }`,
  nested_body: `rpc Add(Request) returns (Response) { option (google.api.http) = {post: "/v1/books" body: "book.name"}; }`,
  unknown_response_body: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/books" response_body: "user"}; }`,
  same_template: `
    rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/books/{name}"}; }
    rpc Find(Request) returns (Response) { option (google.api.http) = {get: "/v1/books/{book.name}"}; }`,
  same_binding: `
    rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{name=books/*}:read"}; }
    rpc Find(Request) returns (Response) {
      option (google.api.http) = {get: "/v1/find" additional_bindings {get: "/v1/books/{book.name}:read"}};
    }`,
  deep_not_last: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{name=**}/books"}; }`,
  nested_additional_bindings: `
    rpc Get(Request) returns (Response) {
      option (google.api.http) = {
        get: "/v1/books/{name}"
        additional_bindings { get: "/v2/books/{name}" additional_bindings { get: "/v3/books/{name}" } }
      };
    }`,
  get_with_body: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/books" body: "*"}; }`,
  streaming: `rpc Watch(Request) returns (stream Response) { option (google.api.http) = {get: "/v1/books"}; }`,
  no_pattern: `rpc Get(Request) returns (Response) { option (google.api.http) = {body: "*"}; }`,
  bad_template: `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "v1/books"}; }`,
  several_problems: `
    rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/{book}"}; }
    rpc Add(Request) returns (Response) { option (google.api.http) = {post: "/v1/books" body: "page"}; }`,
  openapi_collision: `
    rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/books/{name}"}; }
    rpc Walk(Request) returns (Response) { option (google.api.http) = {get: "/v1/books/{book.name=**}"}; }`,
  not_public: `
    rpc Get(Request) returns (Response) {
      option (google.api.http) = {get: "/v1/books/{name}"};
      option (platform.v1.policy) = {callers: ["orders"]};
    }`,
  delete_with_body: `rpc Remove(Request) returns (Response) { option (google.api.http) = {delete: "/v1/books/{name}" body: "book"}; }`,
};

function protoFile(name: string, rpcs: string): string {
  return `syntax = "proto3";
package bad.${name};
import "google/api/annotations.proto";
import "platform/v1/policy.proto";
message Author { string name = 1; }
message Book { string name = 1; Author author = 2; }
message Request { string name = 1; Book book = 2; repeated string tags = 3; map<string, string> labels = 4; }
message Response { Book book = 1; }
service S {
option (platform.v1.default_policy) = {public: true};
${rpcs}
}
`;
}

describe("protoc-gen-gateway refuses invalid HTTP rules", () => {
  // One buf build for all cases; each run generates one file.
  const generate = generateCases("bad", cases, protoFile);

  it.each([
    [
      "message_leaf",
      "bad/message_leaf.proto: rpc bad.message_leaf.S.Get: path variable {book} binds the message field book (bad.message_leaf.Book); bind a scalar or enum field inside it instead",
    ],
    [
      "repeated_leaf",
      "bad/repeated_leaf.proto: rpc bad.repeated_leaf.S.Get: path variable {tags} binds the repeated field tags; only singular fields can be bound",
    ],
    [
      "map_leaf",
      "bad/map_leaf.proto: rpc bad.map_leaf.S.Get: path variable {labels} binds the map field labels; only singular fields can be bound",
    ],
    [
      "through_scalar",
      'bad/through_scalar.proto: rpc bad.through_scalar.S.Get: path variable {name.id}: the field name is not a message and has no field "id"',
    ],
    [
      "unknown_path_field",
      'bad/unknown_path_field.proto: rpc bad.unknown_path_field.S.Get: path variable {book.title}: bad.unknown_path_field.Book has no field "title"',
    ],
    [
      "unknown_body",
      'bad/unknown_body.proto: rpc bad.unknown_body.S.Add: body "page" is not a field of bad.unknown_body.Request',
    ],
    [
      "nested_body",
      'bad/nested_body.proto: rpc bad.nested_body.S.Add: body "book.name" must name a top-level field of bad.nested_body.Request',
    ],
    [
      "unknown_response_body",
      'bad/unknown_response_body.proto: rpc bad.unknown_response_body.S.Get: response_body "user" is not a field of bad.unknown_response_body.Response',
    ],
    [
      "same_template",
      "bad/same_template.proto: rpc bad.same_template.S.Find: GET /v1/books/{book.name} matches the same requests as rpc bad.same_template.S.Get (GET /v1/books/{name})",
    ],
    [
      "same_binding",
      "bad/same_binding.proto: rpc bad.same_binding.S.Find additional_bindings[0]: GET /v1/books/{book.name}:read matches the same requests as rpc bad.same_binding.S.Get (GET /v1/{name=books/*}:read)",
    ],
    [
      "deep_not_last",
      'bad/deep_not_last.proto: rpc bad.deep_not_last.S.Get: invalid path template "/v1/{name=**}/books": "**" must be the last segment',
    ],
    [
      "nested_additional_bindings",
      "bad/nested_additional_bindings.proto: rpc bad.nested_additional_bindings.S.Get additional_bindings[0]: additional_bindings cannot have additional_bindings",
    ],
    [
      "get_with_body",
      'bad/get_with_body.proto: rpc bad.get_with_body.S.Get: GET cannot have a body (body: "*")',
    ],
    [
      "not_public",
      "bad/not_public.proto: rpc bad.not_public.S.Get: has an HTTP binding but its platform.v1.policy is not public",
    ],
    [
      "streaming",
      "bad/streaming.proto: rpc bad.streaming.S.Watch: only unary RPCs can have HTTP bindings, this one is server_streaming",
    ],
    [
      "no_pattern",
      "bad/no_pattern.proto: rpc bad.no_pattern.S.Get: the HTTP rule sets no pattern (get, put, post, delete, patch or custom)",
    ],
    [
      "openapi_collision",
      "bad/openapi_collision.proto: rpc bad.openapi_collision.S.Walk: GET /v1/books/{book.name=**} and rpc bad.openapi_collision.S.Get (GET /v1/books/{name}) are both GET /v1/books/{name} in OpenAPI, which cannot tell them apart",
    ],
    [
      "bad_template",
      'bad/bad_template.proto: rpc bad.bad_template.S.Get: invalid path template "v1/books" at offset 0: must start with "/"',
    ],
  ])("%s: fails naming the file, the RPC and the rule", (name, message) => {
    expect(generate(name)).toThrow(`invalid HTTP rules:\n  ${message}`);
  });

  it("reports every problem of a run, not only the first", () => {
    expect(generate("several_problems")).toThrow(
      "invalid HTTP rules:\n" +
        "  bad/several_problems.proto: rpc bad.several_problems.S.Get: path variable {book} binds the message field book (bad.several_problems.Book); bind a scalar or enum field inside it instead\n" +
        '  bad/several_problems.proto: rpc bad.several_problems.S.Add: body "page" is not a field of bad.several_problems.Request',
    );
  });

  it("accepts a body on DELETE, which HTTP allows", () => {
    const files = generate("delete_with_body")().file.map((f) => f.name);
    expect(files).toEqual(["gateway/routes.ts", "openapi.json"]);
  });
});

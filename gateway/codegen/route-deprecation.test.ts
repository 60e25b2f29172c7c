import { describe, expect, it } from "vitest";
import { generateCases } from "./testing/generate-cases.js";

// 2023-06-30T23:59:59Z and 2026-12-31T23:59:59Z, RFC 9745's and RFC 8594's example dates.
const DEPRECATED = "deprecation_time: {seconds: 1688169599}";
const SUNSET = "sunset_time: {seconds: 1798761599}";

/** Each case is one proto file, package dep.<name>, with the body of service S. */
const cases: Record<string, string> = {
  without_option: rpc("option deprecated = true;"),
  without_deprecated: rpc(`option (platform.v1.deprecation) = {${DEPRECATED}};`),
  without_time: rpc(`option deprecated = true; option (platform.v1.deprecation) = {${SUNSET}};`),
  sunset_first: rpc(
    "option deprecated = true; " +
      `option (platform.v1.deprecation) = {deprecation_time: {seconds: 1798761599} sunset_time: {seconds: 1688169599}};`,
  ),
  relative_link: rpc(
    `option deprecated = true; option (platform.v1.deprecation) = {${DEPRECATED} link: "/guides/v2"};`,
  ),
  service_option_alone: `option (platform.v1.service_deprecation) = {${DEPRECATED}};\n${rpc("")}`,
  full: rpc(
    "option deprecated = true; " +
      `option (platform.v1.deprecation) = {${DEPRECATED} ${SUNSET} link: "https://example.com/guides/v2 now"};`,
  ),
  same_day_link_only: rpc(
    "option deprecated = true; " +
      `option (platform.v1.deprecation) = {${DEPRECATED} sunset_time: {seconds: 1688169599}};`,
  ),
  whole_service: `option deprecated = true;
option (platform.v1.service_deprecation) = {${DEPRECATED}};
${rpc("")}
rpc Find(Request) returns (Response) {
  option (google.api.http) = {get: "/v1/find"};
  option (platform.v1.deprecation) = {${DEPRECATED} link: "https://example.com/find"};
}`,
};

/** Operation is the part of an OpenAPI operation these tests read. */
interface Operation {
  operationId: string;
  responses: { "200": { headers?: Record<string, { schema?: { const: string } }> } };
}

function rpc(options: string): string {
  return `rpc Get(Request) returns (Response) { option (google.api.http) = {get: "/v1/books/{name}"}; ${options} }`;
}

function protoFile(name: string, service: string): string {
  return `syntax = "proto3";
package dep.${name};
import "google/api/annotations.proto";
import "platform/v1/deprecation.proto";
import "platform/v1/policy.proto";
message Request { string name = 1; }
message Response { string name = 1; }
service S {
option (platform.v1.default_policy) = {public: true};
${service}
}
`;
}

describe("platform.v1.deprecation in protoc-gen-gateway", () => {
  // One buf build for all cases; each run generates one file.
  const generate = generateCases("dep", cases, protoFile);

  /** headersOf returns each operation's deprecation headers, as its 200 response documents them. */
  function headersOf(name: string): Record<string, Record<string, string>> {
    const doc = JSON.parse(generate(name)().file.find((f) => f.name === "openapi.json")!.content);
    const result: Record<string, Record<string, string>> = {};
    for (const item of Object.values(doc.paths as Record<string, { get: Operation }>)) {
      const { operationId, responses } = item.get;
      // The edge's own headers are $refs; the deprecation headers are inline, with their values.
      const headers = Object.entries(responses["200"].headers ?? {}).flatMap(([h, v]) =>
        v.schema === undefined ? [] : [[h, v.schema.const]],
      );
      result[operationId] = Object.fromEntries(headers);
    }
    return result;
  }

  it.each([
    [
      "without_option",
      "rpc dep.without_option.S.Get: is deprecated = true but has no platform.v1.deprecation (nor its service a platform.v1.service_deprecation) to date it: the Deprecation header (RFC 9745) is a date",
    ],
    [
      "without_deprecated",
      "rpc dep.without_deprecated.S.Get: has platform.v1.deprecation but not option deprecated = true",
    ],
    [
      "without_time",
      "rpc dep.without_time.S.Get: platform.v1.deprecation needs a deprecation_time",
    ],
    [
      "sunset_first",
      "rpc dep.sunset_first.S.Get: platform.v1.deprecation: sunset_time 2023-06-30T23:59:59.000Z is earlier than deprecation_time 2026-12-31T23:59:59.000Z",
    ],
    [
      "relative_link",
      'rpc dep.relative_link.S.Get: platform.v1.deprecation: link "/guides/v2" is not an absolute http(s) URL',
    ],
    [
      "service_option_alone",
      "rpc dep.service_option_alone.S.Get: its service has platform.v1.service_deprecation but not option deprecated = true",
    ],
  ])("%s: fails naming the file and the RPC", (name, message) => {
    expect(generate(name)).toThrow(`invalid HTTP rules:\n  dep/${name}.proto: ${message}`);
  });

  it("sends Deprecation as a Structured Field Date, Sunset as an HTTP-date and the link with both relations", () => {
    expect(headersOf("full")).toEqual({
      S_Get: {
        Deprecation: "@1688169599",
        Sunset: "Thu, 31 Dec 2026 23:59:59 GMT",
        // Serialized by the URL parser, so nothing in it can close the <…>.
        Link: '<https://example.com/guides/v2%20now>; rel="deprecation", <https://example.com/guides/v2%20now>; rel="sunset"',
      },
    });
  });

  it("accepts a sunset at the deprecation time and sends no Link without a link", () => {
    expect(headersOf("same_day_link_only")).toEqual({
      S_Get: { Deprecation: "@1688169599", Sunset: "Fri, 30 Jun 2023 23:59:59 GMT" },
    });
  });

  it("dates every RPC of a deprecated service, an RPC's own option first", () => {
    expect(headersOf("whole_service")).toEqual({
      S_Get: { Deprecation: "@1688169599" },
      S_Find: { Deprecation: "@1688169599", Link: '<https://example.com/find>; rel="deprecation"' },
    });
  });

  it("writes the headers into the route table for the runtime to copy", () => {
    const routes = generate("full")().file.find((f) => f.name === "gateway/routes.ts")!.content;
    expect(routes).toContain('      ["deprecation", "@1688169599"],\n');
    expect(routes).toContain('      ["sunset", "Thu, 31 Dec 2026 23:59:59 GMT"],\n');
  });
});

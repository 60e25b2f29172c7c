import { describe, expect, it } from "vitest";
import { parseSubjectAltName } from "./parse-subject-alt-name.js";

describe("parseSubjectAltName", () => {
  it("splits Node's entries into type and value", () => {
    expect(
      parseSubjectAltName(
        "URI:spiffe://protoplane.local/svc/a, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
      ),
    ).toEqual([
      { type: "URI", value: "spiffe://protoplane.local/svc/a" },
      { type: "DNS", value: "localhost" },
      { type: "IP Address", value: "127.0.0.1" },
      { type: "IP Address", value: "0:0:0:0:0:0:0:1" },
    ]);
  });

  it("decodes quoted values, so a comma cannot inject an entry", () => {
    expect(
      parseSubjectAltName(
        'URI:"spiffe://x/svc/a, URI:spiffe://y/svc/b", DNS:"q\\"uote", email:a@b',
      ),
    ).toEqual([
      { type: "URI", value: "spiffe://x/svc/a, URI:spiffe://y/svc/b" },
      { type: "DNS", value: 'q"uote' },
      { type: "email", value: "a@b" },
    ]);
  });

  it("decodes the \\u002c escape Node actually prints for commas", () => {
    expect(parseSubjectAltName('URI:"spiffe://evil/x\\u002c URI:spiffe://td/svc/admin"')).toEqual([
      { type: "URI", value: "spiffe://evil/x, URI:spiffe://td/svc/admin" },
    ]);
  });

  it("returns an empty list for empty text and undefined for malformed text", () => {
    expect(parseSubjectAltName("")).toEqual([]);
    expect(parseSubjectAltName("no colon")).toBeUndefined();
    expect(parseSubjectAltName('URI:"unterminated')).toBeUndefined();
    expect(parseSubjectAltName('URI:"a"junk')).toBeUndefined();
  });
});

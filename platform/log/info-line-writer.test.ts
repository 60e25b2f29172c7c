import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";
import { infoLineWriter, jsonString } from "./info-line-writer.js";
import { createLogCapture } from "./log-capture.js";

type Fields = Record<string, string | number | undefined>;

// The caller's half of the contract: `,"key":value` pairs, undefined skipped.
function serialize(fields: Fields): string {
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += `,${jsonString(key)}:${typeof value === "string" ? jsonString(value) : value}`;
  }
  return out;
}

// Lines differ only in the millisecond they were written.
const sameTime = (text: string) => text.replace(/"time":"[^"]*"/g, '"time":"T"');

const CASES: Fields[] = [
  {
    request_id: "0b7c6a9e-3f7d-4a51-9d1c-7a1e6d2f4b10",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    span_id: "00f067aa0ba902b7",
    rpc: "identity.v1.UserService/GetUser",
    protocol: "grpc",
    peer: "gateway",
    code: "OK",
    duration_ms: 1.234,
  },
  { request_id: "", rpc: "a.B/C", peer: undefined, code: "NOT_FOUND", duration_ms: 0 },
  { quote: 'say "hi"', backslash: "C:\\path", newline: "a\nb", tab: "\t", nul: "\u0000" },
  // (Not a lone surrogate: pino writes it raw, invalid UTF-8; jsonString escapes it.)
  { unicode: "Grüße, 世界 🚀", del: "\u007f", big: 12345678.5, neg: -3 },
  { long: "x".repeat(300) },
];

describe("infoLineWriter", () => {
  it("writes byte for byte the line pino writes for the same fields", () => {
    const capture = createLogCapture();
    const root = createLogger({ service: "identity", level: "info", destination: capture.stream });
    // As the call recorder uses it: a child without redaction, under request bindings.
    const logger = root.child({ shard: 'a"b' }).child({}, { redact: [] });
    const write = infoLineWriter(logger, Object.keys(Object.assign({}, ...CASES)));
    expect(write).toBeDefined();
    for (const fields of CASES) {
      logger.info(fields, "rpc");
      write!(serialize(fields), "rpc");
    }
    const lines = sameTime(capture.text()).split("\n").filter(Boolean);
    expect(lines).toHaveLength(CASES.length * 2);
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "info",
      service: "identity",
      shard: 'a"b',
    });
  });

  it("follows the logger's level as it changes", () => {
    const capture = createLogCapture();
    const logger = createLogger({ service: "s", level: "warn", destination: capture.stream });
    const routine = logger.child({}, { redact: [] });
    const write = infoLineWriter(routine, ["k"])!;
    write(',"k":1', "quiet");
    expect(capture.text()).toBe("");
    routine.level = "info";
    write(',"k":2', "heard");
    expect(capture.lines()).toEqual([expect.objectContaining({ k: 2, msg: "heard" })]);
  });

  it("declines a logger that rewrites lines, so the caller uses pino", () => {
    const capture = createLogCapture();
    const root = createLogger({ service: "s", level: "info", destination: capture.stream });
    // The root logger redacts: its wildcard paths may match any key.
    expect(infoLineWriter(root, ["k"])).toBeUndefined();
    const plain = root.child({}, { redact: [] });
    expect(infoLineWriter(plain, ["k"])).toBeDefined();
    expect(infoLineWriter(root.child({}, { redact: ["k"] }), ["k"])).toBeUndefined();
    expect(infoLineWriter(plain.child({}, { msgPrefix: "[x] " }), ["k"])).toBeUndefined();
    expect(
      infoLineWriter(plain.child({}, { serializers: { k: () => "masked" } }), ["k"]),
    ).toBeUndefined();
    expect(
      infoLineWriter(plain.child({}, { serializers: { other: String } }), ["k"]),
    ).toBeDefined();
  });
});

describe("jsonString", () => {
  it("is JSON.stringify for every character and for odd strings", () => {
    for (let code = 0; code < 0x800; code++) {
      const s = `a${String.fromCharCode(code)}b`;
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }
    for (const s of ["", "\ud83d", "\udc00x", "🚀", '"', "\\", "plain-ascii_1.2:3"]) {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }
  });
});

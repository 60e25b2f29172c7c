import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";
import { createLogCapture } from "./log-capture.js";
import { requestLogger } from "./request-logger.js";

function capture() {
  const { stream, lines, text } = createLogCapture();
  const base = createLogger({ service: "identity", level: "info", destination: stream });
  return { base, lines, text };
}

describe("requestLogger", () => {
  it("adds request and trace ids to every line", () => {
    const { base, lines } = capture();
    const log = requestLogger(base, {
      request_id: "req-1",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      method: "identity.v1.IdentityService/GetUser",
      peer: "spiffe://protoplane.local/svc/gateway",
    });
    log.info("handled");
    log.warn({ duration_ms: 3 }, "slow");
    for (const line of lines()) {
      expect(line).toMatchObject({
        service: "identity",
        request_id: "req-1",
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
        span_id: "00f067aa0ba902b7",
        method: "identity.v1.IdentityService/GetUser",
        peer: "spiffe://protoplane.local/svc/gateway",
      });
      expect(line["time"]).toMatch(/Z$/);
    }
    expect(lines()).toHaveLength(2);
  });

  it("omits fields that are not known", () => {
    const { base, lines } = capture();
    requestLogger(base, { request_id: "req-2", trace_id: undefined }).info("handled");
    expect(lines()[0]).toMatchObject({ request_id: "req-2" });
    expect(lines()[0]).not.toHaveProperty("trace_id");
  });

  it("keeps redacting in child loggers", () => {
    const { base, text } = capture();
    requestLogger(base, { request_id: "req-3" }).info({
      headers: { authorization: "Bearer abc.def" },
    });
    expect(text()).toContain("[redacted]");
    expect(text()).not.toContain("abc.def");
  });
});

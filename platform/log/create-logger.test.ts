import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";
import { createLogCapture } from "./log-capture.js";

/** captureLogger returns a logger whose output the test can read back. */
function captureLogger(level: "info" | "debug" = "info") {
  const capture = createLogCapture();
  const logger = createLogger({ service: "orders", level, destination: capture.stream });
  return { logger, lines: capture.lines, text: capture.text };
}

describe("createLogger", () => {
  it("writes one JSON line with ISO UTC time, level label, msg, service and pid", () => {
    const { logger, lines } = captureLogger();
    logger.info({ order_id: "o1" }, "order created");
    const [line] = lines();
    expect(line).toMatchObject({
      level: "info",
      msg: "order created",
      service: "orders",
      pid: process.pid,
      order_id: "o1",
    });
    expect(line?.["time"]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(line).not.toHaveProperty("hostname");
  });

  it("honours the level", () => {
    const { logger, lines } = captureLogger("info");
    logger.debug("hidden");
    logger.warn("shown");
    expect(lines().map((line) => line["level"])).toEqual(["warn"]);
  });

  it("serializes errors under err with type, message and stack", () => {
    const { logger, lines } = captureLogger();
    logger.error({ err: new TypeError("boom") }, "failed");
    expect(lines()[0]?.["err"]).toMatchObject({ type: "TypeError", message: "boom" });
    expect((lines()[0]?.["err"] as { stack: string }).stack).toContain("TypeError: boom");
  });

  it("redacts passwords, tokens, authorization headers and other secrets", () => {
    const { logger, lines, text } = captureLogger();
    logger.info(
      {
        password: "pw-top-secret",
        user: { name: "ada", password: "pw-nested-secret", email: "ada@example.com" },
        token: "tok-secret",
        session: { refreshToken: "refresh-secret", access_token: "access-secret" },
        req: {
          headers: {
            authorization: "Bearer jwt-secret",
            cookie: "sid=cookie-secret",
            accept: "*/*",
          },
        },
        headers: { "x-api-key": "key-secret", "set-cookie": "sid=set-cookie-secret" },
        config: { databaseUrl: "postgres://u:db-secret@db/app" },
        apiKey: "apikey-secret",
      },
      "request",
    );
    const [line] = lines();
    expect(line).toMatchObject({
      password: "[redacted]",
      user: { name: "ada", password: "[redacted]", email: "[redacted]" },
      token: "[redacted]",
      session: { refreshToken: "[redacted]", access_token: "[redacted]" },
      req: { headers: { authorization: "[redacted]", cookie: "[redacted]", accept: "*/*" } },
      headers: { "x-api-key": "[redacted]", "set-cookie": "[redacted]" },
      config: { databaseUrl: "[redacted]" },
      apiKey: "[redacted]",
    });
    expect(text()).not.toMatch(/secret|ada@example/);
  });
});

import { diag } from "@opentelemetry/api";
import { globalErrorHandler } from "@opentelemetry/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogCapture, createLogger } from "../log/index.js";
import {
  logTelemetryErrors,
  REPEAT_WINDOW_MS,
  type TelemetryErrorLog,
} from "./log-telemetry-errors.js";

let bridge: TelemetryErrorLog | undefined;
afterEach(() => {
  bridge?.close();
  vi.useRealTimers();
});

function capture() {
  const log = createLogCapture();
  bridge = logTelemetryErrors(
    createLogger({ service: "svc", level: "info", destination: log.stream }),
  );
  return log;
}

describe("logTelemetryErrors", () => {
  it("logs OpenTelemetry's global errors at error and its diag warnings at warn, nothing below", () => {
    const log = capture();
    globalErrorHandler(new Error("14 UNAVAILABLE: connect ECONNREFUSED"));
    diag.warn("Dropped 3 spans because maxQueueSize reached");
    diag.info("informational");
    diag.debug("maxQueueSize reached, dropping spans");
    expect(
      log.lines().map((l) => [l.level, l.msg, (l.err as { message?: string })?.message]),
    ).toEqual([
      ["error", "tracing error", "14 UNAVAILABLE: connect ECONNREFUSED"],
      ["warn", "opentelemetry: Dropped 3 spans because maxQueueSize reached", undefined],
    ]);
  });

  it("holds back a repeated message for a minute, then logs it with the count held back", () => {
    // Only Date is faked: the limiter reads the clock, nothing waits on it.
    vi.useFakeTimers({ toFake: ["Date"] });
    const log = capture();
    for (let i = 0; i < 4; i++) globalErrorHandler(new Error("14 UNAVAILABLE"));
    // A different count is the same message.
    diag.warn("Dropped 3 spans because maxQueueSize reached");
    diag.warn("Dropped 700 spans because maxQueueSize reached");
    expect(log.lines()).toHaveLength(2);

    vi.setSystemTime(Date.now() + REPEAT_WINDOW_MS);
    globalErrorHandler(new Error("14 UNAVAILABLE"));
    globalErrorHandler(new Error("span export timed out"));
    const lines = log.lines().slice(2);
    expect(lines.map((l) => [(l.err as { message: string }).message, l.repeated])).toEqual([
      ["14 UNAVAILABLE", 3],
      ["span export timed out", undefined],
    ]);
  });

  it("logs each error of a rejected flush, and stops logging once closed", () => {
    const log = capture();
    bridge!.report([new Error("first"), "second"]);
    bridge!.close();
    globalErrorHandler(new Error("after close"));
    diag.warn("after close");
    expect(log.lines().map((l) => (l.err as { message: string }).message)).toEqual([
      "first",
      "second",
    ]);
  });
});

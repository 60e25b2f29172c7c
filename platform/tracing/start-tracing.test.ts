import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { startTracing } from "./start-tracing.js";
import { currentTraceparent } from "./traceparent.js";
import { tracerFor } from "./tracer-for.js";

// Nothing listens here; nothing is exported in these tests either.
const ENDPOINT = "http://127.0.0.1:9";

describe("startTracing", () => {
  it("registers nothing without an endpoint", async () => {
    const tracing = await startTracing({ service: "a", version: "1" });
    expect(tracing.enabled).toBe(false);
    expect(tracerFor("a")).toBeUndefined();
    expect(currentTraceparent()).toBeUndefined();
    await tracing.shutdown();
  });

  it("shares one provider per process, until the last service shuts down", async () => {
    const first = await startTracing({ service: "a", version: "1", endpoint: ENDPOINT });
    const second = await startTracing({ service: "b", version: "1", endpoint: ENDPOINT });
    const third = await startTracing({ service: "c", version: "1" });
    expect([first.enabled, second.enabled, third.enabled]).toEqual([true, true, true]);
    await expect(
      startTracing({ service: "d", version: "1", endpoint: "http://127.0.0.1:10" }),
    ).rejects.toThrow(/already exports to/);

    const span = tracerFor("b")!.startSpan("work");
    expect(span.isRecording()).toBe(true);
    span.end();
    await Promise.all([first.shutdown(), first.shutdown(), third.shutdown()]);
    expect(tracerFor("b")).toBeDefined();
    await second.shutdown();
    expect(tracerFor("b")).toBeUndefined();
    expect(trace.getTracer("b").startSpan("after").isRecording()).toBe(false);

    const again = await startTracing({ service: "a", version: "1", endpoint: ENDPOINT });
    expect(tracerFor("a")?.startSpan("again").isRecording()).toBe(true);
    await again.shutdown();
  });
});

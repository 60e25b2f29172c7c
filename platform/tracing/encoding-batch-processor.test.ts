import { setTimeout as sleep } from "node:timers/promises";
import { SpanKind, TraceFlags } from "@opentelemetry/api";
import {
  type ExportResult,
  ExportResultCode,
  loggingErrorHandler,
  setGlobalErrorHandler,
} from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { decodeExportRequest } from "../../test/tracing/otlp-receiver.js";
import { type BatchSettings, EncodingBatchProcessor } from "./encoding-batch-processor.js";
import { createLeanTracer } from "./lean-tracer.js";

const resource = resourceFromAttributes({ "service.name": "svc" });
const tracer = createLeanTracer("svc", {
  sink: { resource, onEnd: () => {} },
  sampleRoot: () => true,
});

// Ended spans named span-0, span-1, …; they go to the processor by hand.
function ended(from: number, n: number): ReadableSpan[] {
  return Array.from({ length: n }, (_, i) => {
    const span = tracer.startChild(`span-${from + i}`, SpanKind.INTERNAL, {}, undefined);
    span.end();
    return span as unknown as ReadableSpan;
  });
}

// A collector in memory: decodes each request; answers when told to.
function collector(answer: "at-once" | "on-demand" | "fail" | "never" = "at-once") {
  const requests: string[][] = [];
  const pending: ((result: ExportResult) => void)[] = [];
  let shutdowns = 0;
  const exporter = {
    export(request: Uint8Array, done: (result: ExportResult) => void) {
      const decoded = decodeExportRequest(Buffer.from(request)) as {
        resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
      };
      requests.push(
        decoded.resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)),
        ),
      );
      if (answer === "at-once") done({ code: ExportResultCode.SUCCESS });
      else if (answer === "fail")
        done({ code: ExportResultCode.FAILED, error: new Error("refused") });
      else if (answer === "on-demand") pending.push(done);
    },
    async shutdown() {
      shutdowns++;
    },
  };
  const answerNext = () => pending.shift()?.({ code: ExportResultCode.SUCCESS });
  const answerLast = () => pending.pop()?.({ code: ExportResultCode.SUCCESS });
  return { exporter, requests, answerNext, answerLast, shutdowns: () => shutdowns };
}

const settings: BatchSettings = {
  maxExportBatchSize: 3,
  maxQueueSize: 6,
  scheduledDelayMillis: 60_000,
  exportTimeoutMillis: 60_000,
};

describe("EncodingBatchProcessor", () => {
  it("sends a full batch at once, one export at a time, and the rest in order", async () => {
    const c = collector("on-demand");
    const processor = new EncodingBatchProcessor(c.exporter, settings);
    for (const span of ended(0, 7)) processor.onEnd(span);
    expect(c.requests).toEqual([["span-0", "span-1", "span-2"]]);
    c.answerNext();
    await sleep(0);
    expect(c.requests[1]).toEqual(["span-3", "span-4", "span-5"]);
    // A flush sends what is gathering and also waits for the export in flight.
    let flushed = false;
    const flushing = processor.forceFlush().then(() => {
      flushed = true;
    });
    await sleep(0);
    expect(c.requests[2]).toEqual(["span-6"]);
    c.answerLast();
    await sleep(0);
    expect(flushed).toBe(false);
    c.answerNext();
    await flushing;
    expect(c.requests).toHaveLength(3);
  });

  it("sends a partial batch once the delay passes", async () => {
    const c = collector();
    const processor = new EncodingBatchProcessor(c.exporter, {
      ...settings,
      scheduledDelayMillis: 20,
    });
    for (const span of ended(0, 2)) processor.onEnd(span);
    expect(c.requests).toEqual([]);
    await sleep(80);
    expect(c.requests).toEqual([["span-0", "span-1"]]);
  });

  it("drops spans beyond the queue while exports lag, and keeps the ones it took", async () => {
    const c = collector("on-demand");
    const processor = new EncodingBatchProcessor(c.exporter, settings);
    // 3 go out at once; 6 more fill the queue; the last 2 are dropped.
    for (const span of ended(0, 11)) processor.onEnd(span);
    for (let i = 0; i < 3; i++) {
      c.answerNext();
      await sleep(0);
    }
    const flushing = processor.forceFlush();
    await sleep(0);
    c.answerNext();
    await flushing;
    expect(c.requests.flat()).toEqual(Array.from({ length: 9 }, (_, i) => `span-${i}`));
  });

  it("reports a span it cannot encode, leaves it out, and keeps the batch whole", async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((err) => errors.push(err));
    try {
      const c = collector();
      const processor = new EncodingBatchProcessor(c.exporter, settings);
      const [before, after] = ended(0, 2);
      // Fails after its ids and name are written: half a message, if kept.
      const source = before!;
      const broken = {
        spanContext: () => source.spanContext(),
        resource: source.resource,
        instrumentationScope: source.instrumentationScope,
        name: "broken",
        kind: source.kind,
        startTime: source.startTime,
        endTime: source.endTime,
        get attributes(): never {
          throw new Error("unreadable attributes");
        },
      } as unknown as ReadableSpan;
      processor.onEnd(before!);
      expect(() => processor.onEnd(broken)).not.toThrow();
      processor.onEnd(after!);
      await processor.forceFlush();
      expect(c.requests).toEqual([["span-0", "span-1"]]);
      expect(errors).toEqual([expect.objectContaining({ message: "unreadable attributes" })]);
    } finally {
      setGlobalErrorHandler(loggingErrorHandler());
    }
  });

  it("skips unsampled spans", async () => {
    const c = collector();
    const processor = new EncodingBatchProcessor(c.exporter, settings);
    const [span] = ended(0, 1);
    const unsampled = Object.create(span!, {
      spanContext: { value: () => ({ ...span!.spanContext(), traceFlags: TraceFlags.NONE }) },
    }) as ReadableSpan;
    processor.onEnd(unsampled);
    await processor.forceFlush();
    expect(c.requests).toEqual([]);
  });

  it("rejects a flush when the collector refuses or never answers", async () => {
    const refused = new EncodingBatchProcessor(collector("fail").exporter, settings);
    for (const span of ended(0, 2)) refused.onEnd(span);
    await expect(refused.forceFlush()).rejects.toThrow("refused");

    const silent = new EncodingBatchProcessor(collector("never").exporter, {
      ...settings,
      exportTimeoutMillis: 30,
    });
    for (const span of ended(0, 1)) silent.onEnd(span);
    await expect(silent.forceFlush()).rejects.toThrow("timed out");
  });

  it("shuts down once: sends what is left, closes the exporter, then ignores new spans", async () => {
    const c = collector();
    const processor = new EncodingBatchProcessor(c.exporter, settings);
    for (const span of ended(0, 2)) processor.onEnd(span);
    await Promise.all([processor.shutdown(), processor.shutdown()]);
    expect(c.requests).toEqual([["span-0", "span-1"]]);
    expect(c.shutdowns()).toBe(1);
    for (const span of ended(2, 1)) processor.onEnd(span);
    await processor.forceFlush();
    expect(c.requests).toHaveLength(1);
  });
});

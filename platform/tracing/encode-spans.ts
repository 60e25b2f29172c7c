import type { Attributes, AttributeValue, HrTime, SpanContext } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { LeanSpan } from "./lean-span.js";
import { ProtoWriter } from "./proto-writer.js";

/**
 * encodeSpans writes spans as an OTLP `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1), the same message the SDK's
 * ProtobufTraceSerializer makes, grouped the same way (by resource, then
 * by instrumentation scope). The SDK's builds a tree of JavaScript objects
 * and has protobufjs walk it; at 100% sampling that was most of the export,
 * itself about half of what tracing cost a call on the serving core
 * (docs/benchmarks.md). This writes each span's fields straight into a
 * buffer. Field numbers are the proto's, named at each call.
 */
export function encodeSpans(spans: readonly ReadableSpan[]): Uint8Array {
  const batch = new SpanBatch();
  for (const span of spans) batch.add(span);
  return batch.encode();
}

/**
 * SpanBatch is a request being built one span at a time: each span is
 * encoded when it is added, into its scope's buffer, so the batch holds
 * bytes rather than span objects (see EncodingBatchProcessor). encode()
 * wraps them in their resources and scopes, once: it hands the scope
 * buffers on to the next batch.
 */
export class SpanBatch {
  readonly #groups = new Map<Resource, Map<string, ScopeGroup>>();
  #count = 0;

  /** Spans added so far. */
  get count(): number {
    return this.#count;
  }

  /** The resources of the spans added, for a caller that must wait for their attributes. */
  resources(): Iterable<Resource> {
    return this.#groups.keys();
  }

  /** Encodes `span` into the batch; if it throws, the batch is as it was. */
  add(span: ReadableSpan): void {
    let scopes = this.#groups.get(span.resource);
    if (scopes === undefined) {
      scopes = new Map();
      this.#groups.set(span.resource, scopes);
    }
    const scope = span.instrumentationScope;
    const key = scopeKey(scope);
    let group = scopes.get(key);
    if (group === undefined) {
      group = { scope, spans: spareWriters.pop() ?? new ProtoWriter(SCOPE_BYTES) };
      scopes.set(key, group);
    }
    // A span that fails to encode halfway must not leave half a message in
    // the batch: the collector would refuse the whole request.
    const mark = group.spans.length;
    try {
      writeSpan(group.spans, span);
    } catch (err) {
      group.spans.truncate(mark);
      throw err;
    }
    this.#count++;
  }

  /** The batch as one ExportTraceServiceRequest. */
  encode(): Uint8Array {
    const w = requestWriter;
    w.reset();
    for (const [resource, scopes] of this.#groups) {
      const resourceSpans = w.beginMessage(1); // ExportTraceServiceRequest.resource_spans
      writeResource(w, resource);
      for (const { scope, spans } of scopes.values()) {
        const scopeSpans = w.beginMessage(2); // ResourceSpans.scope_spans
        const scopeMessage = w.beginMessage(1); // ScopeSpans.scope
        w.stringField(1, scope.name);
        if (scope.version) w.stringField(2, scope.version);
        w.endMessage(scopeMessage);
        w.raw(spans.view()); // ScopeSpans.spans, each already a field
        if (scope.schemaUrl) w.stringField(3, scope.schemaUrl);
        w.endMessage(scopeSpans);
        if (spareWriters.length < MAX_SPARE_WRITERS) {
          spans.reset();
          spareWriters.push(spans);
        }
      }
      if (resource.schemaUrl) w.stringField(3, resource.schemaUrl);
      w.endMessage(resourceSpans);
    }
    this.#groups.clear();
    this.#count = 0;
    return w.finish();
  }
}

// Spans group by scope as the SDK groups them: by name, version and schema
// URL. A tracer's spans share one scope object, so its key is made once.
const scopeKeys = new WeakMap<object, string>();
function scopeKey(scope: ReadableSpan["instrumentationScope"]): string {
  let key = scopeKeys.get(scope);
  if (key === undefined) {
    key = `${scope.name}@${scope.version ?? ""}:${scope.schemaUrl ?? ""}`;
    scopeKeys.set(scope, key);
  }
  return key;
}

interface ScopeGroup {
  readonly scope: ReadableSpan["instrumentationScope"];
  /** The scope's spans, each a ScopeSpans.spans field. */
  readonly spans: ProtoWriter;
}

// Scope buffers pass from batch to batch, so a full batch (~512 spans of
// ~270 bytes) grows one only once; a process has a scope or two per
// batch, and a few spares bound what is kept.
const SCOPE_BYTES = 16 * 1024;
const MAX_SPARE_WRITERS = 4;
const spareWriters: ProtoWriter[] = [];

// One request writer per process: requests are encoded one at a time, and
// finish() hands out a copy.
const requestWriter = new ProtoWriter();

function writeResource(w: ProtoWriter, resource: Resource): void {
  const mark = w.beginMessage(1); // ResourceSpans.resource
  writeAttributes(w, 1, resource.attributes); // Resource.attributes
  w.endMessage(mark);
}

function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const mark = w.beginMessage(2); // ScopeSpans.spans
  const context = span.spanContext();
  w.hexBytesField(1, context.traceId);
  w.hexBytesField(2, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) w.stringField(3, traceState);
  const parent = span.parentSpanContext;
  if (parent?.spanId) w.hexBytesField(4, parent.spanId);
  w.stringField(5, span.name);
  // The API's kinds start at INTERNAL = 0; OTLP's at UNSPECIFIED = 0.
  w.varintField(6, span.kind == null ? 0 : span.kind + 1);
  if (span instanceof LeanSpan) {
    writeTimeMs(w, 7, span.startMs);
    writeTimeMs(w, 8, span.endMs);
  } else {
    writeTime(w, 7, span.startTime);
    writeTime(w, 8, span.endTime);
  }
  writeAttributes(w, 9, span.attributes);
  if (span.droppedAttributesCount) w.varintField(10, span.droppedAttributesCount);
  for (const event of span.events) {
    const eventMark = w.beginMessage(11); // Span.events
    writeTime(w, 1, event.time);
    w.stringField(2, event.name);
    if (event.attributes) writeAttributes(w, 3, event.attributes);
    if (event.droppedAttributesCount) w.varintField(4, event.droppedAttributesCount);
    w.endMessage(eventMark);
  }
  if (span.droppedEventsCount) w.varintField(12, span.droppedEventsCount);
  for (const link of span.links) {
    const linkMark = w.beginMessage(13); // Span.links
    w.hexBytesField(1, link.context.traceId);
    w.hexBytesField(2, link.context.spanId);
    const linkState = link.context.traceState?.serialize();
    if (linkState) w.stringField(3, linkState);
    if (link.attributes) writeAttributes(w, 4, link.attributes);
    if (link.droppedAttributesCount) w.varintField(5, link.droppedAttributesCount);
    w.fixed32Field(6, spanFlags(link.context));
    w.endMessage(linkMark);
  }
  if (span.droppedLinksCount) w.varintField(14, span.droppedLinksCount);
  const statusMark = w.beginMessage(15); // Span.status
  if (span.status.message) w.stringField(2, span.status.message);
  if (span.status.code) w.varintField(3, span.status.code);
  w.endMessage(statusMark);
  w.fixed32Field(16, spanFlags(context, parent?.isRemote));
  w.endMessage(mark);
}

// Span.flags: the W3C trace flags in the low byte, then whether the
// parent's remoteness is known (0x100, always) and whether it is remote (0x200).
function spanFlags(context: SpanContext, remote = context.isRemote): number {
  return (context.traceFlags & 0xff) | 0x100 | (remote ? 0x200 : 0);
}

// An HrTime [seconds, nanoseconds] as fixed64 nanoseconds. 10⁹ · s passes
// 2⁵³, so it is split exactly: 10⁹ = 1953125 · 2⁹, and 1953125 · s stays
// below 2⁵³ for any time before the year 2106.
function writeTime(w: ProtoWriter, field: number, [seconds, nanos]: HrTime): void {
  writeSecondsNanos(w, field, seconds, nanos);
}

// ms since the epoch, split as the SDK's millisToHrTime splits it.
function writeTimeMs(w: ProtoWriter, field: number, ms: number): void {
  writeSecondsNanos(w, field, Math.trunc(ms / 1000), Math.round((ms % 1000) * 1e6));
}

function writeSecondsNanos(w: ProtoWriter, field: number, seconds: number, nanos: number): void {
  const scaled = Math.trunc(seconds) * 1953125;
  const below = scaled % 0x800000; // the bits that land in the low word once shifted by 9
  let low = below * 512 + Math.trunc(nanos);
  let high = (scaled - below) / 0x800000;
  if (low >= 0x100000000) {
    const carry = Math.floor(low / 0x100000000);
    low -= carry * 0x100000000;
    high += carry;
  }
  w.fixed64Field(field, low, high);
}

function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    const mark = w.beginMessage(field); // a KeyValue
    w.stringField(1, key);
    writeAnyValue(w, 2, value);
    w.endMessage(mark);
  }
}

// AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7.
// As the SDK does, integral numbers are ints and others doubles, and an
// undefined or null value (or array element) is an empty AnyValue; an
// integral number beyond 2⁵³, which the SDK sends as a rounded int, goes
// as the double it is.
function writeAnyValue(
  w: ProtoWriter,
  field: number,
  value: AttributeValue | undefined | null,
): void {
  const mark = w.beginMessage(field);
  if (typeof value === "string") w.stringField(1, value);
  else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) w.varintField(3, value);
    else w.doubleField(4, value);
  } else if (typeof value === "boolean") w.boolField(2, value);
  else if ((value as unknown) instanceof Uint8Array)
    w.bytesField(7, value as unknown as Uint8Array);
  else if (Array.isArray(value)) {
    const array = w.beginMessage(5);
    for (const item of value) writeAnyValue(w, 1, item); // ArrayValue.values
    w.endMessage(array);
  } else if (typeof value === "object" && value !== null) {
    const list = w.beginMessage(6);
    writeAttributes(w, 1, value as unknown as Attributes); // KeyValueList.values
    w.endMessage(list);
  }
  w.endMessage(mark);
}

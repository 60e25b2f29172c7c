import type {
  Attributes,
  AttributeValue,
  Exception,
  HrTime,
  Link,
  Span,
  SpanContext,
  SpanKind,
  SpanStatus,
  TimeInput,
} from "@opentelemetry/api";
import { isAttributeValue, millisToHrTime, timeInputToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";

/** SpanSink is where an ended span goes: the batch processor, and what spans share. */
export interface SpanSink {
  readonly resource: Resource;
  /** Hands an ended, sampled span to the batch processor. */
  onEnd(span: ReadableSpan): void;
}

/** LeanScope is what a span knows of the tracer that made it. */
export interface LeanScope {
  readonly sink: SpanSink;
  readonly instrumentationScope: { readonly name: string };
}

// Shared until a span sets its own: most spans add no event or link and
// keep the initial status, and per-span empty arrays would be garbage.
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const UNSET: SpanStatus = Object.freeze({ code: 0 });
const ZERO: HrTime = Object.freeze([0, 0]) as unknown as HrTime;

// Wall-clock time in ms with sub-ms precision, as the SDK reads it
// (performance.timeOrigin + performance.now()).
const origin = performance.timeOrigin;

/**
 * LeanSpan is a recording span that is also the SDK's ReadableSpan, so the
 * batch processor and the encoder take it as they take the SDK's own. It
 * does the same work as the SDK's span minus what a platform span never
 * needs per call: span limits (the platform writes a handful of short
 * attributes), attribute sanitizing of values it builds itself, the sampler
 * and processor chains (decided once, see createLeanTracer), and a hrtime
 * computed at start. A class on purpose: a span per call is the hot path,
 * and methods on the prototype cost no allocation.
 */
export class LeanSpan implements Span, ReadableSpan {
  links: Link[];
  events: TimedEvent[] = NO_EVENTS;
  status: SpanStatus = UNSET;
  ended = false;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  /** Start and end in ms since the epoch, sub-ms precise; the encoder reads these, not HrTimes. */
  readonly startMs: number;
  endMs = 0;
  readonly #context: SpanContext;

  constructor(
    readonly scope: LeanScope,
    /** The service the span is for (see createLeanTracer), inherited by platform spans below it. */
    readonly service: string,
    public name: string,
    readonly kind: SpanKind,
    context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
    links: Link[] | undefined,
    startTime: TimeInput | undefined,
  ) {
    this.#context = context;
    this.links = links ?? NO_LINKS;
    this.startMs = startTime === undefined ? origin + performance.now() : toMs(startTime);
  }

  get resource(): Resource {
    return this.scope.sink.resource;
  }

  get instrumentationScope(): { readonly name: string } {
    return this.scope.instrumentationScope;
  }

  // HrTimes are made only when asked for: the platform's encoder reads the
  // ms fields, and arrays per span per call would be garbage.
  get startTime(): HrTime {
    return millisToHrTime(this.startMs);
  }

  get endTime(): HrTime {
    return this.ended ? millisToHrTime(this.endMs) : ZERO;
  }

  get duration(): HrTime {
    return this.ended ? millisToHrTime(Math.max(0, this.endMs - this.startMs)) : ZERO;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (!this.ended && value != null && isAttributeValue(value)) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const timeGiven = attributesOrTime !== undefined && isTime(attributesOrTime);
    const at = timeGiven ? attributesOrTime : time;
    if (this.events === NO_EVENTS) this.events = [];
    this.events.push({
      name,
      attributes: timeGiven ? {} : ((attributesOrTime as Attributes | undefined) ?? {}),
      time: at === undefined ? millisToHrTime(origin + performance.now()) : timeInputToHrTime(at),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NO_LINKS) this.links = [];
    this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  // The exception's type and message, as the SDK records them
  // (https://opentelemetry.io/docs/specs/semconv/exceptions/exceptions-spans/).
  recordException(exception: Exception, time?: TimeInput): void {
    const error = typeof exception === "string" ? { message: exception } : exception;
    const attributes: Attributes = {};
    const type = error.code ?? error.name;
    if (type !== undefined && type !== "") attributes["exception.type"] = String(type);
    if (error.message) attributes["exception.message"] = error.message;
    if (error.stack) attributes["exception.stacktrace"] = error.stack;
    this.addEvent("exception", attributes, time);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endMs = endTime === undefined ? origin + performance.now() : toMs(endTime);
    this.scope.sink.onEnd(this);
  }
}

function isTime(value: Attributes | TimeInput): value is TimeInput {
  return typeof value === "number" || value instanceof Date || Array.isArray(value);
}

function toMs(time: TimeInput): number {
  if (typeof time === "number") return time < origin ? origin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1e3 + time[1] / 1e6;
}

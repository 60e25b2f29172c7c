import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { attr } from "./semconv.js";

/**
 * endSpan ends a span, marking it failed with `errorType` when given.
 * Spans never carry error messages or stack traces: messages may hold
 * values (drizzle's query errors list the statement's parameters), and
 * the cause is already in the logs, which the span's trace id finds.
 */
export function endSpan(span: Span, errorType?: string): void {
  if (errorType !== undefined) {
    span.setAttribute(attr.errorType, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** errorTypeOf names an error for `error.type`: its code, else its class. */
export function errorTypeOf(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === "string" && name !== "") return name;
  }
  return "_OTHER";
}

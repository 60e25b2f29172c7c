import { type ContextValues, createContextKey, createContextValues } from "@connectrpc/connect";
import type { Span } from "@opentelemetry/api";

/**
 * callParentKey holds, in a call's `contextValues`, the span the call is
 * made under: its CLIENT span hangs there. A process that registers no
 * context manager (the gateway: TracingOptions.asyncContext) names the
 * parent this way; elsewhere the active span serves when it is unset.
 */
export const callParentKey = createContextKey<Span | undefined>(undefined, {
  description: "the span an RPC is made under",
});

/** callUnder is the `contextValues` of a call made under `span`; undefined without one. */
export function callUnder(span: Span | undefined): ContextValues | undefined {
  return span === undefined ? undefined : createContextValues().set(callParentKey, span);
}

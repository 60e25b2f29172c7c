import { randomUUID } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

/** The header that carries the request id across every hop. */
export const REQUEST_ID_HEADER = "x-request-id";

/** requestIdKey holds the current request id in `HandlerContext.values`. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

// Ids from callers are echoed into logs and headers: accept only short,
// printable tokens so a client can't inject log lines or huge values.
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** requestIdFrom returns the caller's id when well-formed, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined | null): string {
  return typeof header === "string" && WELL_FORMED.test(header) ? header : randomUUID();
}

import { type MsgHdrs, headers as natsHeaders } from "nats";
import type { EventHeaders } from "./broker.js";

/** toNatsHeaders copies headers into a fresh NATS header set (publish mutates it). */
export function toNatsHeaders(headers: EventHeaders | undefined): MsgHdrs | undefined {
  if (headers === undefined) return undefined;
  const result = natsHeaders();
  for (const [name, value] of Object.entries(headers)) result.set(name, value);
  return result;
}

/** fromNatsHeaders reads a NATS header set into a record, first value per name. */
export function fromNatsHeaders(headers: MsgHdrs | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (headers === undefined) return result;
  for (const [name, values] of headers) result[name] = values[0] ?? "";
  return result;
}

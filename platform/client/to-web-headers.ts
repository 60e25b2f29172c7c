import type { IncomingHttpHeaders } from "node:http2";

/**
 * toWebHeaders converts response headers or trailers from `node:http2` to
 * the `Headers` Connect's API exposes, dropping pseudo-headers (`:status`).
 * The transport calls it lazily: most callers never read metadata, and a
 * `Headers` instance costs more than the rest of a small call's parsing.
 */
export function toWebHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const name of Object.keys(incoming)) {
    if (name.startsWith(":")) continue;
    const value = incoming[name];
    if (Array.isArray(value)) {
      for (const item of value) headers.append(name, item);
    } else if (value !== undefined) {
      headers.append(name, String(value));
    }
  }
  return headers;
}

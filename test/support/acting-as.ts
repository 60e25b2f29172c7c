import type { Transport } from "@connectrpc/connect";
import type { AuthHeaders } from "./test-users.js";

/**
 * actingAs wraps a transport so that every call sends `headers` (a user's
 * `Authorization`), as a client acting for that user does; handler tests
 * use it with createInMemoryTransport to call as several users.
 */
export function actingAs(transport: Transport, headers: AuthHeaders): Transport {
  const withAuth = (header: Headers | undefined) => {
    const merged = new Headers(header);
    merged.set("authorization", headers.authorization);
    return merged;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, values) =>
      transport.unary(method, signal, timeoutMs, withAuth(header), input, values),
    stream: (method, signal, timeoutMs, header, input, values) =>
      transport.stream(method, signal, timeoutMs, withAuth(header), input, values),
  };
}

import { createContextKey } from "@connectrpc/connect";

/** Peer is the authenticated workload on the other end of an mTLS connection. */
export interface Peer {
  /** The URI SAN of the client certificate, e.g. `spiffe://protoplane.local/svc/orders`. */
  readonly spiffeId: string;
  /** The service name taken from the SPIFFE id ("orders"), or undefined for a foreign id. */
  readonly service: string | undefined;
}

/**
 * peerKey holds the calling workload in `HandlerContext.values`. It is set
 * once per TLS connection by the RPC server; handlers never read certificates.
 */
export const peerKey = createContextKey<Peer | undefined>(undefined, {
  description: "mTLS peer identity",
});

import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type Principal, principalKey } from "../auth/principal.js";
import { peerKey } from "../rpc/peer.js";
import { requestIdKey } from "../rpc/request-id.js";
import { auditCallerOf } from "./audit-caller.js";

const gateway = { spiffeId: "spiffe://protoplane.local/svc/gateway", service: "gateway" };
const user: Principal = {
  kind: "user",
  subject: "0193a000-0000-7000-8000-000000000001",
  scopes: new Set(),
  credentialId: "jti-1",
};

function callWith(set: (values: ReturnType<typeof createContextValues>) => void) {
  const values = createContextValues();
  set(values);
  return auditCallerOf({ values });
}

describe("auditCallerOf", () => {
  it("names the end user a verified credential acts for", () => {
    const caller = callWith((v) =>
      v.set(peerKey, gateway).set(principalKey, user).set(requestIdKey, "req-1"),
    );
    expect(caller).toEqual({ actor: `user:${user.subject}`, requestId: "req-1" });
  });

  it("names the API key, not its owner, for a call made with one", () => {
    const key: Principal = { ...user, kind: "api_key", credentialId: "key_abc" };
    expect(callWith((v) => v.set(principalKey, key)).actor).toBe("api_key:key_abc");
  });

  it("names the calling workload when no end user is known", () => {
    expect(callWith((v) => v.set(peerKey, gateway))).toEqual({
      actor: "service:gateway",
      requestId: undefined,
    });
  });

  it("is anonymous without a service identity", () => {
    const foreign = { spiffeId: "spiffe://elsewhere/x", service: undefined };
    expect(callWith((v) => v.set(peerKey, foreign)).actor).toBe("anonymous");
    expect(callWith(() => {}).actor).toBe("anonymous");
  });
});

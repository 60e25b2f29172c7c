import { describe, expect, it } from "vitest";
import { auditHash, genesisHash } from "./audit-hash.js";

const row = {
  seq: 1,
  time: new Date("2025-05-01T12:00:00.123Z"),
  actor: "user:42",
  action: "auth.login.failed",
  target: "user:42",
  outcome: "failure" as const,
  requestId: "req-1",
  details: { reason: "bad_password", attempt: 3, ip: "203.0.113.7", méta: [1.5, null, true] },
  prevHash: genesisHash,
};

describe("auditHash", () => {
  it("matches the documented encoding as an outside tool computes it", () => {
    // From docs/operating.md's recipe, run in Python 3:
    // json.dumps(["protoplane.audit.v1", prev_hash, "1", "2025-05-01T12:00:00.123Z", …],
    //            sort_keys=True, separators=(",", ":"), ensure_ascii=False) → sha256 hex
    expect(auditHash(row)).toBe("78df030af0a18980ef675d3b023e5ab8b104cf2a6f579bbd7885d91d540c5e10");
  });

  it("changes when any column changes", () => {
    const base = auditHash(row);
    const changes = [
      { seq: 2 },
      { time: new Date("2025-05-01T12:00:00.124Z") },
      { actor: "user:43" },
      { action: "auth.login.succeeded" },
      { target: null },
      { outcome: "success" as const },
      { requestId: null },
      { details: { ...row.details, attempt: 4 } },
      { prevHash: "f".repeat(64) },
    ];
    for (const change of changes) expect(auditHash({ ...row, ...change })).not.toBe(base);
  });

  it("tells a null target from the string 'null'", () => {
    expect(auditHash({ ...row, target: null })).not.toBe(auditHash({ ...row, target: "null" }));
  });
});

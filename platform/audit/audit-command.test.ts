import { describe, expect, it } from "vitest";
import { AuditUsageError, formatAuditReport, parseAuditArgs } from "./audit-command.js";

const known = ["identity", "orders"];
const hash = "ab".repeat(32);
const noBacklog = { unsealed: 0, oldestMs: 0 };

describe("parseAuditArgs", () => {
  it("verifies every known service by default, or the one named", () => {
    expect(parseAuditArgs(["verify"], known)).toEqual({
      kind: "verify",
      services: known,
      anchor: undefined,
    });
    expect(parseAuditArgs(["verify", "--service", "orders"], known).services).toEqual(["orders"]);
  });

  it("takes an anchor for one service", () => {
    expect(
      parseAuditArgs(["verify", "--service", "orders", "--anchor", `12:${hash}`], known).anchor,
    ).toEqual({ seq: 12, hash });
  });

  it.each([
    [[], "missing command"],
    [["check"], "unknown command check"],
    [["verify", "--service"], "--service needs a value"],
    [
      ["verify", "--service", "billing"],
      "unknown service billing (audited services: identity, orders)",
    ],
    [["verify", "--anchor", `1:${hash}`], "--anchor belongs to one chain: add --service <name>"],
    [
      ["verify", "--service", "orders", "--anchor", "1:abc"],
      "--anchor needs <seq>:<64 hex digits>",
    ],
    [
      ["verify", "--service", "orders", "--anchor", `0:${hash}`],
      "--anchor needs <seq>:<64 hex digits>",
    ],
    [["verify", "--limit", "3"], "unknown option --limit"],
  ])("refuses %j: %s", (args, message) => {
    expect(() => parseAuditArgs(args, known)).toThrow(new AuditUsageError(message));
  });
});

describe("formatAuditReport", () => {
  it("prints the head in full, to be recorded as an anchor", () => {
    const head = { seq: 3, hash };
    expect(formatAuditReport("orders", { ok: true, rows: 3, head, unsealed: noBacklog })).toBe(
      `orders: ok, 3 rows, head seq 3 hash ${hash}`,
    );
    expect(
      formatAuditReport("orders", { ok: true, rows: 0, head: undefined, unsealed: noBacklog }),
    ).toBe("orders: ok, 0 rows (empty chain)");
  });

  it("counts rows not sealed yet, and warns when they wait over a minute", () => {
    const head = { seq: 3, hash };
    const fresh = { unsealed: 2, oldestMs: 800 };
    expect(formatAuditReport("orders", { ok: true, rows: 3, head, unsealed: fresh })).toBe(
      `orders: ok, 3 rows, head seq 3 hash ${hash}, 2 unsealed`,
    );
    const stale = { unsealed: 5, oldestMs: 61_400 };
    expect(
      formatAuditReport("orders", { ok: true, rows: 0, head: undefined, unsealed: stale }),
    ).toBe(
      "orders: ok, 0 rows (empty chain), 5 unsealed\n" +
        "orders: WARN 5 rows unsealed, the oldest for 61 s (is the service's sealer running?)",
    );
  });

  it("names the first broken seq and why", () => {
    const report = {
      ok: false as const,
      rows: 16,
      brokenAt: 17,
      problem: "hash_mismatch" as const,
      reason: "hash mismatch (row changed)",
      unsealed: noBacklog,
    };
    expect(formatAuditReport("orders", report)).toBe(
      "orders: BROKEN at seq 17: hash mismatch (row changed)",
    );
  });
});

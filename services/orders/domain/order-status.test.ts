import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { OrderStatus as S } from "../../../gen/orders/v1/order_pb.js";
import { assertTransition, canTransition, statusFromName, statusName } from "./order-status.js";

describe("order life cycle", () => {
  it.each([
    [S.PENDING, S.CONFIRMED],
    [S.PENDING, S.CANCELLED],
    [S.CONFIRMED, S.SHIPPED],
    [S.CONFIRMED, S.CANCELLED],
    [S.SHIPPED, S.DELIVERED],
  ])("allows %s -> %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    [S.PENDING, S.SHIPPED],
    [S.PENDING, S.DELIVERED],
    [S.PENDING, S.PENDING],
    [S.SHIPPED, S.CANCELLED],
    [S.DELIVERED, S.CANCELLED],
    [S.CANCELLED, S.CONFIRMED],
    [S.CONFIRMED, S.PENDING],
    [S.PENDING, S.UNSPECIFIED],
  ])("refuses %s -> %s with FAILED_PRECONDITION", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const err = (() => {
      try {
        assertTransition(from, to);
      } catch (e) {
        return ConnectError.from(e);
      }
    })();
    expect(err?.code).toBe(Code.FailedPrecondition);
    expect(err?.rawMessage).toBe(
      `an order that is ${statusName(from)} cannot become ${statusName(to)}`,
    );
  });

  it("stores statuses by name and reads them back", () => {
    expect(statusName(S.SHIPPED)).toBe("SHIPPED");
    expect(statusFromName("SHIPPED")).toBe(S.SHIPPED);
    expect(() => statusFromName("LOST")).toThrow(/unknown stored order status/);
  });
});

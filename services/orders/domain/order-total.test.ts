import { describe, expect, it } from "vitest";
import { orderTotal } from "./order-total.js";

describe("orderTotal", () => {
  it("sums quantity times unit price in cents", () => {
    expect(
      orderTotal([
        { quantity: 2, unitPriceCents: 1999n },
        { quantity: 1, unitPriceCents: 5n },
      ]),
    ).toBe(4003n);
  });

  it("is exact beyond 2^53", () => {
    expect(orderTotal([{ quantity: 1000, unitPriceCents: 100_000_000n }]) * 100n).toBe(
      10_000_000_000_000n,
    );
    expect(orderTotal([{ quantity: 3, unitPriceCents: 3_002_399_751_580_331n }])).toBe(
      9_007_199_254_740_993n,
    );
  });

  it("is zero for no items", () => {
    expect(orderTotal([])).toBe(0n);
  });
});

import { describe, expect, it } from "vitest";
import { subjectMatches } from "./subject-match.js";

describe("subjectMatches", () => {
  it.each([
    ["orders.order.created.v1", "orders.order.created.v1", true],
    ["orders.>", "orders.order.created.v1", true],
    ["orders.>", "orders", false],
    ["orders.*.created.v1", "orders.order.created.v1", true],
    ["orders.*", "orders.order.created", false],
    ["orders.order.created.v1", "orders.order.created.v2", false],
    ["*.order.>", "billing.order.paid.v1", true],
    ["orders.order", "orders.order.created", false],
  ])("%s matches %s: %s", (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});

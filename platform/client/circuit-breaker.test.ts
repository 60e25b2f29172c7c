import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { createRetryBudget } from "./retry-budget.js";

function clock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe("createCircuitBreaker", () => {
  it("opens after the threshold of consecutive failures and refuses calls", () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3, openMs: 1000, now: clock().now });
    for (let i = 0; i < 2; i++) breaker.record(true);
    expect(breaker.state()).toBe("closed");
    breaker.record(true);
    expect(breaker.state()).toBe("open");
    expect(breaker.allow()).toBe(false);
  });

  it("a success resets the count of consecutive failures", () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    breaker.record(true);
    breaker.record(false);
    breaker.record(true);
    expect(breaker.state()).toBe("closed");
  });

  it("lets exactly one probe through after openMs, closing on its success", () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 1000, now: c.now });
    breaker.record(true);
    c.advance(999);
    expect(breaker.allow()).toBe(false);
    c.advance(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    breaker.record(false);
    expect(breaker.state()).toBe("closed");
    expect(breaker.allow()).toBe(true);
  });

  it("reopens when the probe fails", () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 1000, now: c.now });
    breaker.record(true);
    c.advance(1000);
    expect(breaker.allow()).toBe(true);
    breaker.record(true);
    expect(breaker.state()).toBe("open");
    expect(breaker.allow()).toBe(false);
  });
});

describe("createRetryBudget (gRFC A6 throttling)", () => {
  it("stops retries once failures drain half the tokens, resumes with successes", () => {
    const budget = createRetryBudget({ maxTokens: 10, tokenRatio: 0.5 });
    for (let i = 0; i < 4; i++) budget.record(false);
    expect(budget.canRetry()).toBe(true);
    budget.record(false);
    expect(budget.canRetry()).toBe(false);
    budget.record(true);
    expect(budget.canRetry()).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import type { ConsumerHealth } from "../../platform/events/broker.js";
import { createEventsCheck } from "../../platform/status/events-check.js";

const context = { signal: new AbortController().signal, timeoutMs: 1_000 };

describe("the events check on consumers", () => {
  const brokerWith = (health: ConsumerHealth[]) => ({
    kind: "nats" as const,
    ping: async () => {},
    consumerHealth: () => health,
  });
  const down = (consumer: string, forMs: number): ConsumerHealth => ({
    stream: "EVENTS_ORDERS",
    consumer,
    downSinceMs: Date.now() - forMs,
    lastError: "consumer not found",
  });
  const up: ConsumerHealth = {
    stream: "EVENTS_ORDERS",
    consumer: "count",
    downSinceMs: undefined,
    lastError: undefined,
  };

  it("names a consumer down past 10 s (WARN) and past 1 min (ERROR)", async () => {
    const check = (health: ConsumerHealth[]) =>
      createEventsCheck({ broker: brokerWith(health) }).run(context);
    expect(await check([up, down("restarting", 2_000)])).toMatchObject({
      level: "OK",
      metrics: { consumers_down: 0 },
    });
    expect(await check([up, down("billing", 20_000)])).toMatchObject({
      level: "WARN",
      message: "consumer EVENTS_ORDERS/billing not consuming for 20 s (consumer not found)",
      metrics: { consumers_down: 1 },
    });
    expect(await check([down("billing", 90_000)])).toMatchObject({ level: "ERROR" });
  });

  it("reports the worse of a down consumer and the outbox lag", async () => {
    const result = await createEventsCheck({
      broker: brokerWith([down("billing", 20_000)]),
      outboxLag: async () => 400_000,
    }).run(context);
    expect(result.level).toBe("ERROR");
    expect(result.message).toBe(
      "consumer EVENTS_ORDERS/billing not consuming for 20 s (consumer not found); " +
        "outbox lag 400 s (over 300 s)",
    );
  });
});

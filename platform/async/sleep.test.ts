import { describe, expect, it } from "vitest";
import { sleep } from "./sleep.js";

describe("sleep", () => {
  it("resolves after its time when no signal aborts", async () => {
    const started = performance.now();
    await sleep(30, new AbortController().signal, undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("resolves as soon as any of its signals aborts, or at once if one has", async () => {
    const first = new AbortController();
    const second = new AbortController();
    const started = performance.now();
    const woken = sleep(60_000, first.signal, second.signal);
    second.abort();
    await woken;
    expect(performance.now() - started).toBeLessThan(1_000);
    await sleep(60_000, second.signal);
  });

  it("leaves no listener on a long-lived signal", async () => {
    const drain = new AbortController();
    const seen: string[] = [];
    const add = drain.signal.addEventListener.bind(drain.signal);
    const remove = drain.signal.removeEventListener.bind(drain.signal);
    drain.signal.addEventListener = (...args: Parameters<typeof add>) => {
      seen.push("add");
      add(...args);
    };
    drain.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      seen.push("remove");
      remove(...args);
    };
    for (let i = 0; i < 3; i++) await sleep(1, drain.signal);
    expect(seen).toEqual(["add", "remove", "add", "remove", "add", "remove"]);
  });
});

import { describe, expect, it } from "vitest";
import { createDeadlineWheel } from "./deadline-wheel.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("createDeadlineWheel", () => {
  it("fires each deadline once, no earlier than due and within a slot or so", async () => {
    const wheel = createDeadlineWheel(10);
    const start = Date.now();
    const fired: number[] = [];
    for (const delay of [15, 40, 80])
      wheel.schedule(start + delay, () => fired.push(Date.now() - start));
    await sleep(150);
    expect(fired).toHaveLength(3);
    for (const [i, delay] of [15, 40, 80].entries()) {
      expect(fired[i]).toBeGreaterThanOrEqual(delay);
      expect(fired[i]).toBeLessThan(delay + 40);
    }
  });

  it("never fires a cancelled deadline", async () => {
    const wheel = createDeadlineWheel(10);
    let fired = 0;
    const d = wheel.schedule(Date.now() + 20, () => fired++);
    d.cancel();
    d.cancel();
    await sleep(60);
    expect(fired).toBe(0);
  });

  it("fires a deadline already in the past on the next tick", async () => {
    const wheel = createDeadlineWheel(10);
    let fired = 0;
    wheel.schedule(Date.now() - 1000, () => fired++);
    await sleep(40);
    expect(fired).toBe(1);
  });

  it("handles deadlines beyond its span with a plain timer", async () => {
    const wheel = createDeadlineWheel(1, 16);
    let fired = 0;
    wheel.schedule(Date.now() + 50, () => fired++);
    await sleep(90);
    expect(fired).toBe(1);
  });

  it("keeps working after it went idle", async () => {
    const wheel = createDeadlineWheel(10);
    let fired = 0;
    wheel.schedule(Date.now() + 10, () => fired++);
    await sleep(50);
    wheel.schedule(Date.now() + 10, () => fired++);
    await sleep(50);
    expect(fired).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import { createInbox } from "./inbox.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));
// Lets pending promise callbacks run, but no timers or immediates.
const microtasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

// Records when a put's promise settles.
function tracked(promise: Promise<void>) {
  const state = { settled: false };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

describe("createInbox", () => {
  it("gives a waiting worker everything the reader hands over in the same turn", async () => {
    const inbox = createInbox<number>(10);
    const taking = inbox.takeAll();
    await inbox.put(1);
    await inbox.put(2);
    await inbox.put(3);
    expect(await taking).toEqual([1, 2, 3]);
  });

  it("holds the reader back while the worker is busy, and lets it go when the worker returns", async () => {
    const inbox = createInbox<number>(10);
    const first = inbox.takeAll();
    await inbox.put(1);
    expect(await first).toEqual([1]);
    // The worker is busy with [1]: nothing more is read ahead of it.
    const second = tracked(inbox.put(2));
    await turn();
    expect(second.settled).toBe(false);
    // Back for more: the reader goes on and gathers the next turn.
    const next = inbox.takeAll();
    await microtasks();
    expect(second.settled).toBe(true);
    await inbox.put(3);
    expect(await next).toEqual([2, 3]);
  });

  it("gathers at most `capacity` items for one turn", async () => {
    const inbox = createInbox<number>(2);
    const taking = inbox.takeAll();
    await inbox.put(1);
    const full = tracked(inbox.put(2));
    await microtasks();
    expect(full.settled).toBe(false);
    expect(await taking).toEqual([1, 2]);
  });

  it("hands out what is left after the end, then nothing", async () => {
    const inbox = createInbox<number>(5);
    const reader = inbox.put(1);
    inbox.end();
    expect(await inbox.takeAll()).toEqual([1]);
    await reader;
    expect(await inbox.takeAll()).toEqual([]);
  });

  it("wakes a worker waiting on an empty inbox when it ends", async () => {
    const inbox = createInbox<number>(5);
    const waiting = inbox.takeAll();
    inbox.end();
    expect(await waiting).toEqual([]);
  });
});

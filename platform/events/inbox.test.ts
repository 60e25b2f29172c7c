import { describe, expect, it } from "vitest";
import { createInbox } from "./inbox.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("createInbox", () => {
  it("gives the worker everything queued since its last take, in order", async () => {
    const inbox = createInbox<number>(10);
    await inbox.put(1);
    await inbox.put(2);
    await inbox.put(3);
    expect(await inbox.takeAll()).toEqual([1, 2, 3]);
    const next = inbox.takeAll();
    await inbox.put(4);
    expect(await next).toEqual([4]);
  });

  it("holds the reader back once it is full, until the worker takes", async () => {
    const inbox = createInbox<number>(2);
    await inbox.put(1);
    let roomAgain = false;
    const second = inbox.put(2).then(() => {
      roomAgain = true;
    });
    await turn();
    expect(roomAgain).toBe(false);
    expect(await inbox.takeAll()).toEqual([1, 2]);
    await second;
    expect(roomAgain).toBe(true);
  });

  it("hands out what is left after the end, then nothing", async () => {
    const inbox = createInbox<number>(5);
    await inbox.put(1);
    inbox.end();
    expect(await inbox.takeAll()).toEqual([1]);
    expect(await inbox.takeAll()).toEqual([]);
  });

  it("wakes a worker waiting on an empty inbox when it ends", async () => {
    const inbox = createInbox<number>(5);
    const waiting = inbox.takeAll();
    inbox.end();
    expect(await waiting).toEqual([]);
  });
});

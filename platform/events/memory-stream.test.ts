import { describe, expect, it } from "vitest";
import { createMemoryStream } from "./memory-stream.js";
import { defineStream } from "./topology.js";

const data = new Uint8Array([1]);

describe("createMemoryStream", () => {
  it("drops a msgId seen within the duplicate window, and accepts it after", () => {
    let now = 1_000;
    const stream = createMemoryStream(
      defineStream({ name: "S", subjects: ["a.>"], duplicateWindowMs: 100 }),
      () => now,
    );
    expect(stream.append("a.b", data, { msgId: "m" })).toEqual({
      stream: "S",
      sequence: 1,
      duplicate: false,
    });
    now += 99;
    expect(stream.append("a.b", data, { msgId: "m" })).toMatchObject({
      sequence: 1,
      duplicate: true,
    });
    now += 1;
    expect(stream.append("a.b", data, { msgId: "m" })).toMatchObject({
      sequence: 2,
      duplicate: false,
    });
    expect(stream.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it("tells listeners about each stored message, not about duplicates", () => {
    const stream = createMemoryStream(defineStream({ name: "S", subjects: ["a.>"] }));
    let calls = 0;
    const unsubscribe = stream.onAppend(() => calls++);
    stream.append("a.b", data, { msgId: "1", headers: { h: "v" } });
    stream.append("a.b", data, { msgId: "1" });
    unsubscribe();
    stream.append("a.b", data, { msgId: "2" });
    expect(calls).toBe(1);
    expect(stream.messages[0]).toMatchObject({ subject: "a.b", headers: { h: "v" }, msgId: "1" });
  });
});

import { describe, expect, it } from "vitest";
import type { DeadLetter, DeadLetterStore } from "./broker.js";
import { formatDeadLetters, parseDlqArgs, runDlqCommand, UsageError } from "./dlq-command.js";

const letter: DeadLetter = {
  id: "12",
  consumer: "billing",
  stream: "EVENTS_ORDERS",
  streamSequence: 4,
  subject: "orders.order.created.v1",
  deliveryCount: 5,
  reason: "TypeError: amount is undefined",
  time: new Date("2026-03-04T05:06:07.000Z"),
  msgId: "e-1",
  data: new Uint8Array(),
  headers: {},
};

describe("parseDlqArgs", () => {
  it("parses list with its options, replay and delete", () => {
    expect(parseDlqArgs(["list"])).toEqual({ kind: "list", consumer: undefined, limit: 100 });
    expect(parseDlqArgs(["list", "--consumer", "billing", "--limit", "5"])).toEqual({
      kind: "list",
      consumer: "billing",
      limit: 5,
    });
    expect(parseDlqArgs(["replay", "12"])).toEqual({ kind: "replay", id: "12" });
    expect(parseDlqArgs(["delete", "3"])).toEqual({ kind: "delete", id: "3" });
  });

  it.each([
    [[], "missing command"],
    [["purge"], "unknown command purge"],
    [["replay"], "replay needs a numeric id"],
    [["replay", "abc"], "replay needs a numeric id"],
    [["delete", "1", "2"], "unexpected argument 2"],
    [["list", "--limit", "0"], "--limit needs a positive integer"],
    [["list", "--consumer"], "--consumer needs a value"],
    [["list", "--all", "x"], "unknown option --all"],
  ])("refuses %j: %s", (args, message) => {
    expect(() => parseDlqArgs(args)).toThrow(new UsageError(message));
  });
});

describe("formatDeadLetters", () => {
  it("aligns the columns and ends each row with the reason", () => {
    expect(formatDeadLetters([letter]).split("\n")).toEqual([
      "ID  TIME                      CONSUMER  SUBJECT                  DELIVERIES  REASON",
      "12  2026-03-04T05:06:07.000Z  billing   orders.order.created.v1  5           TypeError: amount is undefined",
    ]);
  });
});

describe("runDlqCommand", () => {
  const calls: string[] = [];
  const store: DeadLetterStore = {
    list: async (query) => {
      calls.push(`list ${query?.consumer} ${query?.limit}`);
      return query?.consumer === "none" ? [] : [letter];
    },
    get: async () => letter,
    replay: async (id) => void calls.push(`replay ${id}`),
    delete: async (id) => id === "12",
  };

  it("prints what it did", async () => {
    const out: string[] = [];
    await runDlqCommand({ kind: "list", consumer: "none", limit: 3 }, store, (l) => out.push(l));
    await runDlqCommand({ kind: "replay", id: "12" }, store, (l) => out.push(l));
    await runDlqCommand({ kind: "delete", id: "12" }, store, (l) => out.push(l));
    await runDlqCommand({ kind: "delete", id: "13" }, store, (l) => out.push(l));
    expect(out).toEqual([
      "no dead letters",
      "replayed dead letter 12",
      "deleted dead letter 12",
      "no dead letter 13",
    ]);
    expect(calls).toEqual(["list none 3", "replay 12"]);
  });
});

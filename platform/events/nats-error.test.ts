import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isJetStreamError, jetStreamErrorCode, mapNatsError } from "./nats-error.js";

function natsError(code: string, api?: { code: number; err_code: number }) {
  return Object.assign(new Error(code), { code, api_error: api });
}

describe("mapNatsError", () => {
  it.each([
    [natsError("404", { code: 404, err_code: 10059 }), Code.NotFound],
    [natsError("CONNECTION_REFUSED"), Code.Unavailable],
    [natsError("TIMEOUT"), Code.Unavailable],
    [natsError("503"), Code.Unavailable],
    [natsError("400", { code: 400, err_code: 10003 }), Code.Internal],
    [new TypeError("bug"), Code.Internal],
  ])("maps %s to %s, keeping the cause", (err, code) => {
    const mapped = mapNatsError(err);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(err);
  });

  it("passes ConnectErrors through", () => {
    const err = new ConnectError("gone", Code.NotFound);
    expect(mapNatsError(err)).toBe(err);
  });
});

describe("isJetStreamError", () => {
  it("compares the JetStream error code, not the message", () => {
    const err = natsError("404", { code: 404, err_code: jetStreamErrorCode.streamNotFound });
    expect(isJetStreamError(err, jetStreamErrorCode.streamNotFound)).toBe(true);
    expect(isJetStreamError(err, jetStreamErrorCode.consumerNotFound)).toBe(false);
    expect(isJetStreamError(undefined, jetStreamErrorCode.streamNotFound)).toBe(false);
  });
});

import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { peerKey } from "../../platform/rpc/peer.js";
import { registerService } from "../../platform/rpc/service-registration.js";

/** sleep resolves after ms, or rejects as soon as the call is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** cancellations counts calls whose signal fired, so tests can see the server noticed. */
export const cancellations = { count: 0 };

/**
 * interopService implements the interop test contract on the platform: it
 * echoes metadata as headers and trailers, fails with details on request,
 * honours deadlines and cancellation, and streams.
 */
export const interopService = registerService(InteropService, {
  async echo(req, ctx) {
    const echoed = ctx.requestHeader.get("x-echo");
    if (echoed !== null) {
      ctx.responseHeader.set("x-echo", echoed);
      ctx.responseTrailer.set("x-echo-trailer", echoed);
    }
    if (req.sleepMs > 0) {
      ctx.signal.addEventListener("abort", () => cancellations.count++, { once: true });
      await sleep(req.sleepMs, ctx.signal);
    }
    if (req.failCode !== 0) {
      throw new ConnectError(
        `failing as asked with ${Code[req.failCode]}`,
        req.failCode as Code,
        undefined,
        [{ desc: ErrorInfoSchema, value: { reason: "ASKED_TO_FAIL", domain: "interop.test" } }],
      );
    }
    return {
      message: req.message,
      peer: ctx.values.get(peerKey)?.spiffeId ?? "",
      timeoutMs: BigInt(ctx.timeoutMs() ?? 0),
    };
  },
  async *count(req, ctx) {
    for (let n = 1; n <= req.count; n++) {
      if (req.failAfter > 0 && n > req.failAfter) {
        throw new ConnectError(`stopped after ${req.failAfter}`, Code.FailedPrecondition);
      }
      if (req.intervalMs > 0) await sleep(req.intervalMs, ctx.signal);
      yield { n };
    }
  },
  async sum(requests) {
    let total = 0n;
    for await (const r of requests) total += r.value;
    return { total };
  },
  restricted() {
    return {};
  },
});

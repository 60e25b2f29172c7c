import { Code, ConnectError } from "@connectrpc/connect";

/** Size of the gRPC length-prefixed message header: 1 flag byte + 4 length bytes. */
export const FRAME_HEADER_BYTES = 5;

/**
 * encodeFrame wraps one serialized message in a gRPC length-prefixed frame
 * (flag 0 = uncompressed). See the gRPC over HTTP/2 spec, "Length-Prefixed-Message".
 */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * decodeSingleFrame reads exactly one uncompressed message from a unary
 * request or response body. Compressed frames are refused because we never
 * advertise `grpc-accept-encoding`; a conforming peer does not send them.
 */
export function decodeSingleFrame(body: Buffer, maxBytes: number): Buffer {
  if (body.byteLength < FRAME_HEADER_BYTES) {
    throw new ConnectError("protocol error: missing message frame", Code.InvalidArgument);
  }
  assertUncompressed(body[0]!);
  const length = body.readUInt32BE(1);
  if (length > maxBytes) {
    throw new ConnectError(
      `message size ${length} exceeds the limit of ${maxBytes} bytes`,
      Code.ResourceExhausted,
    );
  }
  if (body.byteLength !== FRAME_HEADER_BYTES + length) {
    throw new ConnectError(
      "protocol error: unary body must hold one message",
      Code.InvalidArgument,
    );
  }
  return body.subarray(FRAME_HEADER_BYTES);
}

function assertUncompressed(flag: number): void {
  if (flag !== 0) {
    throw new ConnectError("compressed messages are not accepted", Code.Unimplemented);
  }
}

/**
 * createFrameReader splits a byte stream into messages. It returns a push
 * function that takes a chunk and returns the complete messages it finished.
 */
export function createFrameReader(maxBytes: number): (chunk: Buffer) => Buffer[] {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
    const messages: Buffer[] = [];
    while (pending.byteLength >= FRAME_HEADER_BYTES) {
      assertUncompressed(pending[0]!);
      const length = pending.readUInt32BE(1);
      if (length > maxBytes) {
        throw new ConnectError(
          `message size ${length} exceeds ${maxBytes} bytes`,
          Code.ResourceExhausted,
        );
      }
      if (pending.byteLength < FRAME_HEADER_BYTES + length) break;
      messages.push(pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      pending = pending.subarray(FRAME_HEADER_BYTES + length);
    }
    return messages;
  };
}

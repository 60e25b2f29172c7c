import type { IncomingMessage } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  malformedJson,
  payloadTooLarge,
  unsafeInteger,
  unsupportedMediaType,
} from "./gateway-errors.js";
import { findUnsafeInteger } from "./unsafe-integer.js";

// RFC 8259 §8.1: JSON exchanged between systems is UTF-8. `fatal` turns
// invalid bytes into an error instead of U+FFFD; a leading BOM is dropped.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * readJsonBody reads and parses a request's JSON body, or returns undefined
 * when the request has none (no Content-Length and no Transfer-Encoding, or
 * a zero length: RFC 9112 §6.3). A body must be `application/json` (any
 * charset parameter must be utf-8), else 415. The size limit is enforced
 * from Content-Length before reading and again while streaming, so an
 * oversized body is refused (413) as soon as it is known to be too large.
 * An integer beyond ±(2^53−1), which parsing would round, is refused (400).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const length = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (!chunked && (length === undefined || length === "0")) return undefined;
  if (length !== undefined && Number(length) > maxBytes) throw payloadTooLarge(maxBytes);
  const contentType = req.headers["content-type"];
  if (!isJsonContentType(contentType)) throw unsupportedMediaType(contentType);
  const bytes = await readBytes(req, maxBytes);
  if (bytes.length === 0) return undefined;
  return parseJson(bytes);
}

/** isJsonContentType accepts `application/json` with no charset or charset=utf-8. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(";");
  if (type!.trim().toLowerCase() !== "application/json") return false;
  return params.every((param) => {
    const [name, value = ""] = param.split("=");
    if (name!.trim().toLowerCase() !== "charset") return true;
    return value.trim().replaceAll('"', "").toLowerCase() === "utf-8";
  });
}

function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering at once; the caller answers 413 and closes the connection.
        req.off("data", onData);
        req.pause();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", (err) => reject(clientGone(err)));
    // A client that disconnects mid-body ends neither with "end" nor always with "error".
    req.once("close", () => {
      if (!req.complete) reject(clientGone(undefined));
    });
  });
}

function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw malformedJson("the body is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw malformedJson(err instanceof Error ? err.message : "unparsable");
  }
  // Checked on the text, after it parsed: JSON.parse has already rounded.
  const unsafe = findUnsafeInteger(text);
  if (unsafe !== undefined) throw unsafeInteger(unsafe);
  return json;
}

function clientGone(cause: unknown): ConnectError {
  return new ConnectError(
    "the client closed the request",
    Code.Canceled,
    undefined,
    undefined,
    cause,
  );
}

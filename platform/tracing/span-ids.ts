import { randomFillSync } from "node:crypto";

// Random bytes are drawn in blocks: one syscall-free fill per 256 span ids
// instead of a random source per id.
const BLOCK = 4096;
const pool = Buffer.allocUnsafe(BLOCK);
let offset = BLOCK;

/**
 * randomHexId is a random id of `bytes` bytes (16 for a trace id, 8 for a
 * span id) as lowercase hex, never all zeros, which W3C Trace Context
 * calls invalid (https://www.w3.org/TR/trace-context/#trace-id).
 */
export function randomHexId(bytes: 8 | 16): string {
  if (offset + bytes > BLOCK) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  for (let i = start; i < offset; i++) {
    if (pool[i] !== 0) return pool.toString("hex", start, offset);
  }
  return randomHexId(bytes);
}

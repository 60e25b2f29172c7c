import { Writable } from "node:stream";

/** LogCapture collects what a logger writes, for assertions in tests. */
export interface LogCapture {
  /** Pass as `destination` to `createLogger`. */
  readonly stream: Writable;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Everything written so far, raw, to assert that a secret appears nowhere. */
  text(): string;
}

/**
 * createLogCapture returns an in-memory log destination. pino writes to it
 * synchronously, so lines are visible as soon as the log call returns.
 */
export function createLogCapture(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, text };
}

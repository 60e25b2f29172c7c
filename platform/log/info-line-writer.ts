import { type Logger, symbols } from "pino";

/**
 * InfoLineWriter writes one info line whose fields the caller has already
 * serialized: `fields` is `,"key":value` pairs in order (see jsonString),
 * `msg` the line's message. It does nothing while info is disabled.
 */
export type InfoLineWriter = (fields: string, msg: string) => void;

// pino's per-instance state, reached through the symbols pino exports for
// integrations. The test pins the output to pino's own, byte for byte.
type PinoState = Logger & {
  [symbols.lsCacheSym]: Record<number, string>;
  [symbols.timeSym]: () => string;
  [symbols.chindingsSym]: string;
  [symbols.endSym]: string;
  [symbols.messageKeySym]: string;
  [symbols.streamSym]: { write(line: string): unknown; [symbols.needsMetadataGsym]?: boolean };
  [symbols.mixinSym]?: unknown;
  [symbols.formattersSym]: { log?: unknown };
  [symbols.hooksSym]: { logMethod?: unknown; streamWrite?: unknown };
  [symbols.nestedKeySym]?: string | null;
  [symbols.stringifiersSym]: Record<string | symbol, unknown>;
  [symbols.serializersSym]: Record<string, unknown>;
};

const INFO = 30;

/**
 * infoLineWriter lets a hot path write a fixed-shape info line without
 * pino's generic serializer, which looks up a serializer and a stringifier
 * for every key of every line: the platform's line per RPC costs about
 * half as much to build this way (docs/benchmarks.md). The line is the one
 * `logger.info(obj, msg)` writes: the level, the time, the logger's
 * bindings, then the fields and the message, through the same stream.
 *
 * It returns undefined, and the caller must use the logger, when the
 * logger has anything that rewrites lines: a mixin, a `log` formatter, a
 * stream-write hook, a message prefix, a nested key, redaction, custom
 * serializers for `keys`, or a multistream destination.
 */
export function infoLineWriter(
  logger: Logger,
  keys: readonly string[],
): InfoLineWriter | undefined {
  const state = logger as PinoState;
  const stream = state[symbols.streamSym];
  const stringifiers = state[symbols.stringifiersSym];
  const serializers = state[symbols.serializersSym];
  const written = [...keys, state[symbols.messageKeySym]];
  const rewrites =
    state[symbols.mixinSym] != null ||
    state[symbols.formattersSym].log !== undefined ||
    state[symbols.hooksSym].logMethod != null ||
    state[symbols.hooksSym].streamWrite != null ||
    (logger.msgPrefix ?? "") !== "" ||
    state[symbols.nestedKeySym] != null ||
    stream[symbols.needsMetadataGsym] === true ||
    stringifiers[symbols.wildcardFirstSym] !== undefined ||
    written.some((key) => stringifiers[key] !== undefined || serializers[key] !== undefined);
  if (rewrites) return undefined;
  const messageKey = `,${jsonString(state[symbols.messageKeySym])}:`;
  return (fields, msg) => {
    if (!logger.isLevelEnabled("info")) return;
    stream.write(
      state[symbols.lsCacheSym][INFO] +
        state[symbols.timeSym]() +
        state[symbols.chindingsSym] +
        fields +
        messageKey +
        jsonString(msg) +
        state[symbols.endSym],
    );
  };
}

// Printable ASCII without `"` and `\`: written between quotes as it is.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** jsonString is `s` as a JSON string literal; the common plain-ASCII case costs one regex test. */
export function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

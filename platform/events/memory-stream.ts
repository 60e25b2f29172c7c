import type { EventHeaders, PublishAck, PublishOptions } from "./broker.js";
import { subjectMatcher } from "./subject-match.js";
import type { StreamSpec } from "./topology.js";

/** StoredMessage is one message of a {@link MemoryStream}. */
export interface StoredMessage {
  /** 1-based position in the stream; also its index + 1 in `messages`. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: EventHeaders;
  readonly msgId: string;
}

/**
 * MemoryStream is an in-process stream: an append-only array of messages
 * with JetStream's publish dedupe. Messages are kept for the life of the
 * process, which is all the embedded broker promises.
 */
export interface MemoryStream {
  readonly spec: StreamSpec;
  readonly messages: readonly StoredMessage[];
  /** Whether the stream's subjects cover `subject`. */
  captures(subject: string): boolean;
  /** Stores a message unless its msgId was seen within the duplicate window. */
  append(subject: string, data: Uint8Array, options: PublishOptions): PublishAck;
  /** Replaces the declaration (topology update); stored messages stay. */
  update(spec: StreamSpec): void;
  /** Calls `listener` after every append; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void;
}

/** createMemoryStream opens an empty {@link MemoryStream}. */
export function createMemoryStream(initial: StreamSpec, now = Date.now): MemoryStream {
  let spec = initial;
  let matchers = initial.subjects.map(subjectMatcher);
  const messages: StoredMessage[] = [];
  // Insertion order is expiry order, so expired ids are always at the front.
  const seen = new Map<string, { seq: number; expiresAt: number }>();
  const listeners = new Set<() => void>();

  function forgetExpired(at: number): void {
    for (const [msgId, entry] of seen) {
      if (entry.expiresAt > at) break;
      seen.delete(msgId);
    }
  }

  return {
    get spec() {
      return spec;
    },
    messages,
    captures: (subject) => matchers.some((matches) => matches(subject)),
    append(subject, data, options) {
      const at = now();
      forgetExpired(at);
      const known = seen.get(options.msgId);
      if (known) return { stream: spec.name, sequence: known.seq, duplicate: true };
      const seq = messages.length + 1;
      const headers = Object.freeze({ ...options.headers });
      messages.push({ seq, subject, data, headers, msgId: options.msgId });
      seen.set(options.msgId, { seq, expiresAt: at + spec.duplicateWindowMs });
      for (const listener of listeners) listener();
      return { stream: spec.name, sequence: seq, duplicate: false };
    },
    update(next) {
      spec = next;
      matchers = next.subjects.map(subjectMatcher);
    },
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

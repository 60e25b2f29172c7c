import { eventHeader } from "./outbox.js";
import type { OutgoingMessage } from "./trace-messages.js";

/** PublishFailure is a message whose publish was refused or timed out, and why. */
export interface PublishFailure<T extends OutgoingMessage> {
  readonly message: T;
  readonly error: unknown;
}

/** BatchOutcome is what {@link publishBatch} made of a batch. */
export interface BatchOutcome<T extends OutgoingMessage> {
  /** Acknowledged by the broker, in the order they were given. */
  readonly sent: T[];
  readonly failed: PublishFailure<T>[];
  /** Not tried: an earlier message with the same subject key failed. */
  readonly held: number;
}

/**
 * publishBatch publishes `messages` (oldest first) without waiting for each
 * acknowledgement before sending the next: every message whose subject key
 * has no earlier message in flight is sent at once, and the acks are
 * awaited together, so a batch costs about one broker round trip per
 * message of its busiest key instead of one per message.
 *
 * Order per subject key still holds, failures included: a key's next
 * message is only sent once the previous one was acknowledged, and after a
 * failure the key's later messages are held back (not tried), so nothing
 * overtakes the failed one when it is retried. Messages of other keys go on.
 * One connection keeps the send order, so the stream stores the messages
 * of one wave in the order they were given.
 */
export async function publishBatch<T extends OutgoingMessage>(
  messages: readonly T[],
  publish: (message: T) => Promise<unknown>,
): Promise<BatchOutcome<T>> {
  const sent: T[] = [];
  const failed: PublishFailure<T>[] = [];
  const failedKeys = new Set<string>();
  let pending = messages;
  while (pending.length > 0) {
    const { wave, later } = nextWave(pending, failedKeys);
    const results = await Promise.allSettled(wave.map(publish));
    results.forEach((result, i) => {
      const message = wave[i]!;
      if (result.status === "fulfilled") sent.push(message);
      else {
        failed.push({ message, error: result.reason });
        failedKeys.add(keyOf(message));
      }
    });
    pending = later;
  }
  return { sent, failed, held: messages.length - sent.length - failed.length };
}

// The first pending message of each key goes now; a key's later messages
// wait for the next wave, and those of a key that failed are dropped.
function nextWave<T extends OutgoingMessage>(pending: readonly T[], failedKeys: Set<string>) {
  const wave: T[] = [];
  const later: T[] = [];
  const inWave = new Set<string>();
  for (const message of pending) {
    const key = keyOf(message);
    if (failedKeys.has(key)) continue;
    if (inWave.has(key)) later.push(message);
    else {
      inWave.add(key);
      wave.push(message);
    }
  }
  return { wave, later };
}

// Events without a key (an empty subject_key) share one within a batch, so
// publishBatch keeps them in order; the relay promises order per subject
// key only, and does not hold keyless events back for each other.
function keyOf(message: OutgoingMessage): string {
  return message.headers[eventHeader.subjectKey] ?? "";
}

import { Code, ConnectError } from "@connectrpc/connect";
import type { DeadLetter, DeadLetterStore, Delivery, EventBroker } from "./broker.js";
import {
  deadLetterHeaders,
  deadLetterMsgId,
  readDeadLetter,
  replayHeaders,
  replayMsgId,
  type StoredDeadLetter,
} from "./dead-letter-headers.js";

/** MemoryDeadLetters is the embedded broker's dead-letter stream. */
export interface MemoryDeadLetters extends DeadLetterStore {
  /**
   * Stores a dead letter; a second one for the same delivery is dropped
   * (false), as the JetStream stream's msgId dedupe does.
   */
  add(delivery: Delivery, reason: string): boolean;
}

/**
 * createMemoryDeadLetters keeps dead letters in memory, numbered from 1 like
 * a stream's sequence, and replays them through `publish` so a replay takes
 * the same path (and dedupe) as any other message.
 */
export function createMemoryDeadLetters(
  streamName: string,
  publish: EventBroker["publish"],
): MemoryDeadLetters {
  const stored = new Map<string, StoredDeadLetter>();
  const seen = new Set<string>();
  let nextId = 1;

  const get = async (id: string): Promise<DeadLetter | undefined> => {
    const message = stored.get(id);
    return message && readDeadLetter(message);
  };

  return {
    add(delivery, reason) {
      const key = deadLetterMsgId(delivery);
      if (seen.has(key)) return false;
      seen.add(key);
      const id = String(nextId++);
      const headers = Object.freeze(deadLetterHeaders(delivery, reason));
      stored.set(id, { id, data: delivery.data, headers, time: new Date() });
      return true;
    },
    async list(query = {}) {
      const letters = [...stored.values()].map(readDeadLetter);
      const wanted = query.consumer;
      const matching = wanted ? letters.filter((letter) => letter.consumer === wanted) : letters;
      return matching.slice(0, query.limit ?? 100);
    },
    get,
    async replay(id) {
      const letter = await get(id);
      if (!letter) throw new ConnectError(`dead letter ${id} not found`, Code.NotFound);
      await publish(letter.subject, letter.data, {
        msgId: replayMsgId(letter, streamName),
        headers: replayHeaders(letter),
      });
      stored.delete(id);
    },
    async delete(id) {
      return stored.delete(id);
    },
  };
}

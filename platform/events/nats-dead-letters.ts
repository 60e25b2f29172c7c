import { Code, ConnectError } from "@connectrpc/connect";
import type { JetStreamClient, JetStreamManager, StoredMsg } from "nats";
import type { DeadLetter, DeadLetterSettings, DeadLetterStore, Delivery } from "./broker.js";
import {
  deadLetterHeaders,
  deadLetterMsgId,
  readDeadLetter,
  replayHeaders,
  replayMsgId,
} from "./dead-letter-headers.js";
import { isJetStreamError, jetStreamErrorCode, mapNatsError } from "./nats-error.js";
import { fromNatsHeaders, toNatsHeaders } from "./nats-headers.js";

/** NatsDeadLetters reads, replays and writes the JetStream dead-letter stream. */
export interface NatsDeadLetters extends DeadLetterStore {
  /**
   * Stores a dead letter, retrying a few times; `keepAlive` runs between
   * attempts so the message being dead-lettered is not redelivered meanwhile.
   * Resolves to false when the stream held it already (its msgId was seen).
   */
  write(delivery: Delivery, reason: string, keepAlive: () => void): Promise<boolean>;
}

const writeAttempts = 3;

/**
 * createNatsDeadLetters keeps dead letters in the stream `settings.stream`
 * on `<prefix>.<consumer>.<original subject>`; a dead letter's id is its
 * sequence there. Reads page through the stream by sequence, which suits a
 * dead-letter stream: small, and read by operators rather than services.
 */
export function createNatsDeadLetters(
  js: JetStreamClient,
  jsm: JetStreamManager,
  settings: DeadLetterSettings,
): NatsDeadLetters {
  const stream = settings.stream;

  async function stored(seq: number): Promise<DeadLetter | undefined> {
    try {
      return readDeadLetter(toStored(await jsm.streams.getMessage(stream, { seq })));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw mapNatsError(err);
    }
  }

  const get = (id: string) => {
    const seq = sequenceOf(id);
    return seq === undefined ? Promise.resolve(undefined) : stored(seq);
  };

  return {
    async list(query = {}) {
      const limit = query.limit ?? 100;
      const letters: DeadLetter[] = [];
      const info = await jsm.streams.info(stream).catch((err: unknown) => {
        if (isMissing(err)) return undefined;
        rethrow(err);
      });
      if (!info || info.state.messages === 0) return letters;
      const { first_seq, last_seq } = info.state;
      for (let seq = first_seq; seq <= last_seq && letters.length < limit; seq++) {
        const letter = await stored(seq);
        if (letter && (!query.consumer || letter.consumer === query.consumer)) letters.push(letter);
      }
      return letters;
    },
    get,
    async replay(id) {
      const letter = await get(id);
      if (!letter) throw new ConnectError(`dead letter ${id} not found`, Code.NotFound);
      await js
        .publish(letter.subject, letter.data, {
          msgID: replayMsgId(letter, stream),
          headers: toNatsHeaders(replayHeaders(letter)),
        })
        .catch(rethrow);
      await jsm.streams.deleteMessage(stream, Number(letter.id)).catch(rethrow);
    },
    async delete(id) {
      if (!(await get(id))) return false;
      return jsm.streams.deleteMessage(stream, Number(id)).catch(rethrow);
    },
    async write(delivery, reason, keepAlive) {
      const subject = `${settings.subjectPrefix}.${delivery.consumer}.${delivery.subject}`;
      const options = {
        msgID: deadLetterMsgId(delivery),
        headers: toNatsHeaders(deadLetterHeaders(delivery, reason)),
      };
      for (let attempt = 1; ; attempt++) {
        try {
          const ack = await js.publish(subject, delivery.data, options);
          return !ack.duplicate;
        } catch (err) {
          if (attempt >= writeAttempts) throw err;
          keepAlive();
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    },
  };
}

function toStored(message: StoredMsg) {
  const headers = fromNatsHeaders(message.header);
  return { id: String(message.seq), data: message.data, headers, time: message.time };
}

function sequenceOf(id: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined;
}

// No stream yet means nothing was ever dead-lettered: an empty store, not an error.
function isMissing(err: unknown): boolean {
  return (
    isJetStreamError(err, jetStreamErrorCode.noMessageFound) ||
    isJetStreamError(err, jetStreamErrorCode.streamNotFound)
  );
}

function rethrow(err: unknown): never {
  throw mapNatsError(err);
}

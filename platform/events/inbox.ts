/**
 * Inbox is the hand-off between a reader and one worker. While the worker
 * waits for work, the reader may queue up to `capacity` items; once the
 * worker has taken them and is busy, the reader's next put waits until the
 * worker comes back for more. So nothing is read ahead of the worker beyond
 * what its source already buffers (for a JetStream pull, one batch): a
 * message waiting here is counting down its ack wait, and a turn takes
 * whatever arrived while the last one ran.
 */
export interface Inbox<T> {
  /** Queues an item; resolves once the worker may take another. */
  put(item: T): Promise<void>;
  /**
   * Everything queued, waiting for at least one item and then one event-loop
   * turn; empty once ended and drained.
   */
  takeAll(): Promise<T[]>;
  /** No more puts: a waiting or later takeAll gets what is left, then nothing. */
  end(): void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createInbox<T>(capacity: number): Inbox<T> {
  let items: T[] = [];
  let ended = false;
  // The worker is inside takeAll: waiting for, or gathering, its next turn.
  let taking = false;
  let wakeTaker: (() => void) | undefined;
  let wakePutter: (() => void) | undefined;
  const wake = () => {
    const putter = wakePutter;
    wakePutter = undefined;
    putter?.();
  };
  return {
    async put(item) {
      items.push(item);
      const taker = wakeTaker;
      wakeTaker = undefined;
      taker?.();
      if (taking && items.length < capacity) return;
      await new Promise<void>((resolve) => {
        wakePutter = resolve;
      });
    },
    async takeAll() {
      taking = true;
      // Back for more: the reader may gather the next turn meanwhile.
      wake();
      while (items.length === 0 && !ended) {
        await new Promise<void>((resolve) => {
          wakeTaker = resolve;
        });
      }
      // The reader hands over what its source already buffered in
      // microtasks; one macrotask turn lets it finish, so a turn takes all
      // of it rather than the first message alone.
      if (items.length > 0 && items.length < capacity && !ended) await nextTurn();
      const taken = items;
      items = [];
      taking = false;
      // A reader stopped at capacity may go on; the next put then waits.
      wake();
      return taken;
    },
    end() {
      ended = true;
      const taker = wakeTaker;
      wakeTaker = undefined;
      taker?.();
    },
  };
}

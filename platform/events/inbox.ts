/**
 * Inbox is a bounded hand-off between a reader and one worker: the reader
 * waits while `capacity` items are queued, the worker takes everything
 * queued at once. It lets a consumer handle, in one turn, whatever arrived
 * while it handled the last turn, without reading further ahead than one
 * batch (messages waiting here are already counting down their ack wait).
 */
export interface Inbox<T> {
  /** Queues an item; resolves once there is room for the next. */
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
  let wakeTaker: (() => void) | undefined;
  let wakePutter: (() => void) | undefined;
  const wake = (waker: (() => void) | undefined) => waker?.();
  return {
    async put(item) {
      items.push(item);
      const taker = wakeTaker;
      wakeTaker = undefined;
      wake(taker);
      if (items.length >= capacity) {
        await new Promise<void>((resolve) => {
          wakePutter = resolve;
        });
      }
    },
    async takeAll() {
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
      const putter = wakePutter;
      wakePutter = undefined;
      wake(putter);
      return taken;
    },
    end() {
      ended = true;
      const taker = wakeTaker;
      wakeTaker = undefined;
      wake(taker);
    },
  };
}

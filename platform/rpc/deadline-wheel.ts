/** A scheduled deadline; `cancel` forgets it (safe to call twice). */
export interface Deadline {
  cancel(): void;
}

/** DeadlineWheel fires callbacks at (or up to one slot after) their deadlines. */
export interface DeadlineWheel {
  schedule(at: number, fire: () => void): Deadline;
}

/**
 * createDeadlineWheel is a hashed timing wheel (Varghese & Lauck): one timer
 * ticking every `slotMs` while anything is scheduled, instead of one
 * setTimeout per call. Nearly every call has a deadline (the proto policy's
 * timeout) and nearly every one is cancelled, so arming and clearing a Node
 * timer per call was measurable on the fast path. Deadlines fire up to one
 * slot late; those beyond the wheel's span use a plain timer.
 */
export function createDeadlineWheel(slotMs = 10, slots = 8192, now = Date.now): DeadlineWheel {
  const wheel: (Set<() => void> | undefined)[] = new Array(slots);
  let pending = 0;
  let cursor = Math.floor(now() / slotMs); // the last slot processed
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    const target = Math.floor(now() / slotMs);
    for (; cursor < target && pending > 0; ) {
      cursor++;
      const due = wheel[cursor % slots];
      if (due === undefined) continue;
      wheel[cursor % slots] = undefined;
      pending -= due.size;
      for (const fire of due) fire();
    }
    cursor = Math.max(cursor, target);
    if (pending === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    schedule(at, fire) {
      // Idle, the cursor stood still: bring it to now before placing anything.
      if (timer === undefined) cursor = Math.max(cursor, Math.floor(now() / slotMs));
      const slot = Math.max(Math.ceil(at / slotMs), cursor + 1);
      if (slot - cursor >= slots) {
        const t = setTimeout(fire, at - now());
        return { cancel: () => clearTimeout(t) };
      }
      let bucket = wheel[slot % slots];
      if (bucket === undefined) {
        bucket = new Set();
        wheel[slot % slots] = bucket;
      }
      bucket.add(fire);
      pending++;
      if (timer === undefined) {
        timer = setInterval(tick, slotMs);
        timer.unref();
      }
      return {
        cancel() {
          if (bucket.delete(fire)) pending--;
        },
      };
    },
  };
}

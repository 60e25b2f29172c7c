import type { AuditTable } from "./audit-table.js";

const listeners = new WeakMap<AuditTable, Set<() => void>>();

/**
 * onAuditAppend calls `fn` each time {@link wakeAuditSealers} is called for
 * `table` in this process, until the returned function is called. The
 * sealer listens, so appends wake it without a service wiring anything.
 */
export function onAuditAppend(table: AuditTable, fn: () => void): () => void {
  let set = listeners.get(table);
  if (set === undefined) {
    set = new Set();
    listeners.set(table, set);
  }
  set.add(fn);
  return () => set.delete(fn);
}

/** wakeAuditSealers tells this process's sealers of `table` that a row was appended. */
export function wakeAuditSealers(table: AuditTable): void {
  const set = listeners.get(table);
  if (set !== undefined) for (const fn of set) fn();
}

/**
 * sleep resolves after `ms`, or as soon as one of `signals` aborts (at once
 * if one already has): a wait that a shutdown or a cancelled call cuts
 * short. It never rejects; the caller checks why it woke. Its listeners go
 * when it resolves, so a process-long signal (a drain) gathers none.
 */
export function sleep(ms: number, ...signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  const watched = signals.filter((s): s is AbortSignal => s !== undefined);
  if (watched.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of watched) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of watched) s.addEventListener("abort", done, { once: true });
  });
}

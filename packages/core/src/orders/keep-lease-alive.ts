/**
 * Calls `renew` every third of `leaseMs` until the returned `stop()` is called, so work that takes
 * longer than one lease (throttled calls, a slow upload) keeps what it claimed: the lease runs out
 * only once the process is gone. A failed renewal goes to `onError` and the next one tries again.
 * The timer never keeps the process alive by itself.
 */
export function keepLeaseAlive(renew: () => Promise<unknown>, leaseMs: number, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    renew().catch(onError);
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref?.();
  return () => clearInterval(timer);
}

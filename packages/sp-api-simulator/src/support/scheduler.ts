/** setTimeout with the simulator's timeScale applied; timers never keep the process alive. */
export interface Scheduler {
  /** Runs `task` after `ms` of Amazon time (ms / timeScale of real time). */
  after(ms: number, task: () => void): () => void;
  /** Cancels every pending task (at close). */
  clear(): void;
}

export function createScheduler(timeScale: number, onError: (error: unknown) => void): Scheduler {
  const pending = new Set<NodeJS.Timeout>();
  return {
    after(ms, task) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        try {
          task();
        } catch (error) {
          onError(error);
        }
      }, Math.max(0, ms / timeScale));
      timer.unref();
      pending.add(timer);
      return () => {
        clearTimeout(timer);
        pending.delete(timer);
      };
    },
    clear() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

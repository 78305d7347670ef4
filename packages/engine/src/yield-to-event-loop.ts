/**
 * Let the event loop run (signal handlers, timers, I/O) between two batches, so an AbortSignal
 * raised by Ctrl-C is seen within one batch. `setImmediate` where it exists (Node), else a
 * zero-delay timer (browsers).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

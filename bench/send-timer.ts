import { Client } from '@smithy/core/client';

/**
 * Clocks the time any SDK client has a `send` in flight (overlapping calls count once), so that
 * time can be taken out of a handler's: what is left is the function's own work.
 */
export function installSendTimer() {
  const original = Client.prototype.send;
  let inflight = 0;
  let since = 0;
  let busy = 0;
  const done = () => {
    if (--inflight === 0) busy += performance.now() - since;
  };
  Client.prototype.send = function (this: Client<never, never, never, never>, ...args: unknown[]) {
    if (inflight++ === 0) since = performance.now();
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  } as typeof original;

  return {
    /** Milliseconds with a call in flight since the last read. */
    take(): number {
      const out = busy;
      busy = 0;
      return out;
    },
    restore(): void {
      Client.prototype.send = original;
    },
  };
}

/** Per SDK command: calls, and mean milliseconds on the wire and inside the SDK. */
export type CallTiming = { calls: number; wireMs: number; sdkMs: number };

type Totals = { calls: number; totalMs: number; wireMs: number };
type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;
type Stack = { middlewareStack: { add(middleware: Middleware, options: object): void } };

/**
 * Splits each SDK call's time into the wire (request out to response headers in, which is the
 * service's latency plus the stand-in's own work) and the SDK's (serialize, sign, retry, parse).
 * Two middlewares: one outermost, one innermost, right above the HTTP handler.
 */
export class CallTimings {
  private readonly totals = new Map<string, Totals>();

  attach(client: unknown): void {
    const stack = (client as Stack).middlewareStack;
    stack.add(this.timer('totalMs'), { step: 'initialize', priority: 'high', name: 'benchTotalTimer' });
    stack.add(this.timer('wireMs'), { step: 'deserialize', priority: 'low', name: 'benchWireTimer' });
  }

  summary(): Record<string, CallTiming> {
    const out: Record<string, CallTiming> = {};
    for (const [command, t] of this.totals) {
      out[command.replace(/Command$/, '')] = {
        calls: t.calls,
        wireMs: t.wireMs / t.calls,
        sdkMs: (t.totalMs - t.wireMs) / t.calls,
      };
    }
    return out;
  }

  private timer(field: 'totalMs' | 'wireMs'): Middleware {
    return (next, context) => async (args) => {
      const start = performance.now();
      try {
        return await next(args);
      } finally {
        const t = this.entry(context.commandName ?? 'unknown');
        t[field] += performance.now() - start;
        if (field === 'totalMs') t.calls++;
      }
    };
  }

  private entry(command: string): Totals {
    let t = this.totals.get(command);
    if (!t) {
      t = { calls: 0, totalMs: 0, wireMs: 0 };
      this.totals.set(command, t);
    }
    return t;
  }
}

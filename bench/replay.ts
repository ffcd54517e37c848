import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type Recorded = { statusCode: number; headers: Record<string, string>; body: Buffer };
type Handle = NodeHttpHandler['handle'];

/** 'PutEvents' from `X-Amz-Target: AWSEvents.PutEvents`, 'RevokeSnapshotAccess' from a query body. */
function actionOf(request: Parameters<Handle>[0]): string {
  const target = request.headers['x-amz-target'];
  if (target) return target.slice(target.indexOf('.') + 1);
  return /(?:^|&)Action=([A-Za-z]+)/.exec(String(request.body ?? ''))?.[1] ?? 'unknown';
}

async function collect(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Swaps the SDK's HTTP handler for a recorder: in `record` mode each call goes out and its
 * response is kept (the last one per action); in `replay` mode the kept response comes back at
 * once, without a socket. Everything above the socket still runs: the SDK serializes, signs and
 * parses, and the function does all it would do, so what is left to time is the function's own
 * overhead.
 */
export function installReplay() {
  const original: Handle = NodeHttpHandler.prototype.handle;
  const recorded = new Map<string, Recorded>();
  const calls: Record<string, number> = {};
  const state = { mode: 'record' as 'record' | 'replay' };

  NodeHttpHandler.prototype.handle = async function (this: NodeHttpHandler, request, options) {
    const action = actionOf(request);
    calls[action] = (calls[action] ?? 0) + 1;
    if (state.mode === 'replay') {
      const r = recorded.get(action);
      if (!r) throw new Error(`no recorded response for ${action}`);
      const response = new HttpResponse({ ...r, headers: { ...r.headers }, body: Readable.from([r.body]) });
      return { response };
    }
    const { response } = await original.call(this, request, options);
    const body = await collect(response.body);
    recorded.set(action, { statusCode: response.statusCode, headers: response.headers, body });
    return { response: new HttpResponse({ ...response, body: Readable.from([body]) }) };
  };

  return {
    replay(): void {
      state.mode = 'replay';
    },
    /** Calls seen so far, per action; reset after reading. */
    takeCalls(): Record<string, number> {
      const out = { ...calls };
      for (const key of Object.keys(calls)) delete calls[key];
      return out;
    },
    restore(): void {
      NodeHttpHandler.prototype.handle = original;
    },
  };
}

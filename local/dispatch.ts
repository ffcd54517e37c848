import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallCounter } from './core/calls.ts';
import { commonErrors, ServiceError } from './core/errors.ts';
import { QueryParams } from './core/query-params.ts';
import type {
  CallContext,
  FaultCodes,
  JsonService,
  QueryService,
  RestJsonService,
  ServiceDefinition,
} from './core/service.ts';
import { readSigning } from './core/signing.ts';
import { queryErrorResponse, queryResponse } from './core/xml.ts';
import type { FaultControl, FaultOutcome } from './faults.ts';
import { DEFAULT_ACCOUNT } from './redshift/model.ts';

export interface DispatchDeps {
  services: readonly ServiceDefinition[];
  /** Access key id -> account id; unknown keys belong to DEFAULT_ACCOUNT. */
  accounts: Readonly<Record<string, string>>;
  faults: FaultControl;
  calls: CallCounter;
}

type Routed =
  | { service: QueryService; action: string; params: QueryParams }
  | { service: JsonService | RestJsonService; action: string; body: Record<string, unknown> }
  | { service: undefined; action: string };

/** Handles one AWS API request end to end: route, count, inject faults, run, answer. */
export async function dispatch(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse, raw: string) {
  const routed = route(deps.services, req, raw);
  const requestId = randomUUID();
  const signing = readSigning(req.headers);
  const accessKeyId = signing?.accessKeyId ?? 'anonymous';
  const ctx: CallContext = {
    accessKeyId,
    account: deps.accounts[accessKeyId] ?? DEFAULT_ACCOUNT,
    region: signing?.region ?? 'us-east-1',
    requestId,
  };
  const service = routed.service;
  const key = `${service?.name ?? signing?.service ?? 'unknown'}.${routed.action}`;
  deps.calls.increment(key, ctx.region);

  const arrived = performance.now();
  const { delayMs, perKbMs, outcome } = deps.faults.decide(
    key,
    (name) => paramOf(routed, name),
    // Only a request the stand-in understood is counted against a rate limit.
    service ? { account: ctx.account, region: ctx.region } : undefined,
    ctx.account,
  );
  if (outcome.kind === 'throttle') deps.calls.throttled(key, ctx.region);
  const reply = answer(routed, outcome, ctx, key, req, res);
  // Injected latency is a deadline from arrival, as a real service's latency includes its own
  // work: the stand-in's time building the answer must not add to it. A large answer costs more.
  const wait = arrived + delayMs + (perKbMs * reply.bytes) / 1024 - performance.now();
  deps.calls.sent(key, reply.bytes);
  if (wait > 0) {
    // A client that gave up (its socket closed) gets no answer; the call's work is done, as on AWS.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      await sleep(wait, undefined, { signal: gone.signal });
    } catch {
      return;
    }
  }
  reply.send();
}

type Reply = { send: () => void; bytes: number };

const empty = (send: () => void): Reply => ({ send, bytes: 0 });

/** Does the call's work now and returns how to send its answer, so the answer can wait for its deadline. */
function answer(
  routed: Routed,
  outcome: ReturnType<DispatchDeps['faults']['decide']>['outcome'],
  ctx: CallContext,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
): Reply {
  const { requestId } = ctx;
  const service = routed.service;
  if (outcome.kind === 'reset') return empty(() => req.socket.destroy());
  if (!service) return empty(() => sendQueryError(res, commonErrors.invalidAction(routed.action), requestId));
  if (outcome.kind !== 'ok')
    return empty(() => sendError(res, service, faultError(service.faultCodes, outcome), requestId));
  try {
    if ('params' in routed) {
      const handler = routed.service.actions[routed.action];
      if (!handler) throw commonErrors.invalidAction(routed.action);
      const xml = queryResponse(routed.service.xmlns, routed.action, handler(ctx, routed.params), requestId);
      // Encode once: a 100-snapshot page is ~180 KB and byteLength + end(string) would encode twice.
      const bytes = Buffer.from(xml, 'utf8');
      return { send: () => send(res, 200, 'text/xml', bytes, requestId), bytes: bytes.length };
    }
    if ('body' in routed) {
      const handler = routed.service.actions[routed.action];
      if (!handler)
        throw new ServiceError('UnknownOperationException', `Unknown operation ${routed.action}`, 400);
      const type =
        routed.service.protocol === 'json'
          ? `application/x-amz-json-${routed.service.jsonVersion}`
          : 'application/json';
      const bytes = Buffer.from(JSON.stringify(handler(ctx, routed.body)), 'utf8');
      return { send: () => send(res, 200, type, bytes, requestId), bytes: bytes.length };
    }
    return empty(() => {});
  } catch (error) {
    if (error instanceof ServiceError) return empty(() => sendError(res, service, error, requestId));
    console.error(`local aws: ${key} failed`, error);
    const internal = new ServiceError(service.faultCodes.internal, 'An internal error occurred.', 500);
    return empty(() => sendError(res, service, internal, requestId));
  }
}

/**
 * JSON services are told apart by the X-Amz-Target prefix, query services by the API version in
 * the form body (falling back to the SigV4 signing name), so a new service is one table entry.
 */
function route(services: readonly ServiceDefinition[], req: IncomingMessage, raw: string): Routed {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.indexOf('.');
    const prefix = target.slice(0, dot);
    const action = target.slice(dot + 1);
    const service = services.find(
      (s): s is JsonService => s.protocol === 'json' && s.targetPrefix === prefix,
    );
    if (!service) return { service: undefined, action: target };
    return { service, action, body: parseJsonBody(raw) };
  }
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (path !== '/') {
    const key = `${req.method ?? 'GET'} ${path}`;
    const rest = services.find((s): s is RestJsonService => s.protocol === 'rest-json' && key in s.routes);
    if (rest) return { service: rest, action: rest.routes[key] as string, body: parseJsonBody(raw) };
  }
  const params = new QueryParams(raw);
  const action = params.action ?? 'Unknown';
  const signingName = readSigning(req.headers)?.service;
  const service =
    services.find((s): s is QueryService => s.protocol === 'query' && s.version === params.version) ??
    services.find((s): s is QueryService => s.protocol === 'query' && s.name === signingName);
  return service ? { service, action, params } : { service: undefined, action };
}

/** One request parameter, for faults that target particular calls (a form field, or a top-level JSON string). */
function paramOf(routed: Routed, name: string): string | undefined {
  if ('params' in routed) return routed.params.string(name);
  if ('body' in routed) {
    const value = routed.body[name];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function parseJsonBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function faultError(codes: FaultCodes, outcome: Exclude<FaultOutcome, { kind: 'ok' } | { kind: 'reset' }>) {
  if (outcome.kind === 'throttle')
    return new ServiceError(codes.throttle, 'Rate exceeded', codes.throttleStatus ?? 400);
  if (outcome.kind === 'service-error')
    return new ServiceError(outcome.code, outcome.message, outcome.status);
  return outcome.status === 503
    ? new ServiceError(codes.unavailable, 'Service is unavailable. Please try again later.', 503)
    : new ServiceError(codes.internal, 'An internal error occurred.', 500);
}

function sendError(res: ServerResponse, service: ServiceDefinition, error: ServiceError, requestId: string) {
  if (service.protocol === 'query') {
    sendQueryError(res, error, requestId);
    return;
  }
  const body = JSON.stringify({ __type: error.code, message: error.message });
  res.setHeader('x-amzn-ErrorType', error.code);
  const type =
    service.protocol === 'json' ? `application/x-amz-json-${service.jsonVersion}` : 'application/json';
  send(res, error.status, type, body, requestId);
}

function sendQueryError(res: ServerResponse, error: ServiceError, requestId: string) {
  const xml = queryErrorResponse(error.type, error.code, error.message, requestId);
  send(res, error.status, 'text/xml', xml, requestId);
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  requestId: string,
) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': bytes.length,
    'x-amzn-requestid': requestId,
  });
  res.end(bytes);
}

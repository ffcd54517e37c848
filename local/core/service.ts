import type { QueryParams } from './query-params.ts';

/** Who is calling, where, and which request this is. */
export interface CallContext {
  readonly account: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly requestId: string;
}

/** Error codes a service uses when the fault injector fails a call on its behalf. */
export interface FaultCodes {
  throttle: string;
  /** The HTTP status of `throttle` as the SDK models it: 400 unless the service says otherwise. */
  throttleStatus?: 400 | 429;
  internal: string;
  unavailable: string;
}

export type QueryHandler = (ctx: CallContext, params: QueryParams) => string;
export type JsonHandler = (ctx: CallContext, body: Record<string, unknown>) => unknown;

/** awsQuery: form-encoded `Action=...&Version=...`, XML answers. Recognized by its API version. */
export interface QueryService {
  readonly protocol: 'query';
  /** Prefix for call counting and fault matching, e.g. 'redshift'; also its SigV4 signing name. */
  readonly name: string;
  readonly version: string;
  readonly xmlns: string;
  readonly faultCodes: FaultCodes;
  readonly actions: Readonly<Record<string, QueryHandler>>;
}

/** awsJson: `X-Amz-Target: <prefix>.<Action>`, JSON answers. Recognized by its target prefix. */
export interface JsonService {
  readonly protocol: 'json';
  readonly name: string;
  readonly jsonVersion: '1.0' | '1.1';
  readonly targetPrefix: string;
  readonly faultCodes: FaultCodes;
  readonly actions: Readonly<Record<string, JsonHandler>>;
}

/** restJson1: the operation is the HTTP method and path (`POST /findings/import`), JSON both ways. */
export interface RestJsonService {
  readonly protocol: 'rest-json';
  readonly name: string;
  readonly faultCodes: FaultCodes;
  /** Keyed by operation name; `routes` maps `METHOD /path` to it. */
  readonly actions: Readonly<Record<string, JsonHandler>>;
  readonly routes: Readonly<Record<string, string>>;
}

export type ServiceDefinition = QueryService | JsonService | RestJsonService;
